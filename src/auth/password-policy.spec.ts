import { passwordProblem } from './password-policy';

/** The one rule the API, the CLI's `users add` and NEWSROOM_ADMIN_PASSWORD all apply. */
describe('passwordProblem', () => {
  it('accepts a long passphrase', () => {
    expect(passwordProblem('correct-horse-battery-staple', 'lan.nguyen')).toBeUndefined();
  });

  it('refuses short, common, keyboard-walk and username-based passwords, saying why', () => {
    expect(passwordProblem('a1b2c3', 'u')).toBe('password must be at least 8 characters');
    expect(passwordProblem('password1', 'u')).toMatch(/too easy to guess \(strength 0 of 4, at least 3 needed\): This is a commonly used password/);
    expect(passwordProblem('qwertyuiop', 'u')).toMatch(/too easy to guess/);
    expect(passwordProblem('lan.nguyen.2026', 'lan.nguyen')).toMatch(/too easy to guess/);
  });

  it('counts bytes in UTF-8, not characters, against bcrypt 72', () => {
    const thai = 'ก'.repeat(24); // 3 bytes each
    expect(Buffer.byteLength(thai)).toBe(72);
    expect(passwordProblem(`${thai}ข`, 'u')).toMatch(/at most 72 bytes in UTF-8 \(this one is 75\)/);
  });
});
