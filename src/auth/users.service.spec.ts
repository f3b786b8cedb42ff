import bcrypt from 'bcryptjs';
import { BCRYPT_ROUNDS, DUMMY_HASH } from './users.service';

describe('the dummy hash compared against for an unknown user', () => {
  it('costs what a real password hash costs, so an unknown user takes as long to refuse as a wrong password', () => {
    expect(bcrypt.getRounds(DUMMY_HASH)).toBe(BCRYPT_ROUNDS);
    expect(bcrypt.getRounds(bcrypt.hashSync('x', BCRYPT_ROUNDS))).toBe(BCRYPT_ROUNDS);
    expect(DUMMY_HASH.slice(0, 4)).toBe(bcrypt.hashSync('x', BCRYPT_ROUNDS).slice(0, 4));
  });

  it('is a well-formed hash that matches none of the obvious guesses', () => {
    for (const guess of ['', 'masthead-no-such-user', 'password', 'admin']) expect(bcrypt.compareSync(guess, DUMMY_HASH)).toBe(false);
  });
});
