import type { UserEvent } from './user';
import type { UserContext } from './user.decide';
import { given } from './user.spec-helper';

const LAN = '11111111-1111-4111-8111-111111111111';
const OTHER_ADMIN = '22222222-2222-4222-8222-222222222222';
const admin = (enabledAdmins: string[] = [OTHER_ADMIN]): UserContext => ({ actor: { id: OTHER_ADMIN, roles: ['admin'] }, enabledAdmins });
const system: UserContext = { actor: { id: '00000000-0000-4000-8000-000000000000', roles: ['system'] }, enabledAdmins: [] };

const created = (roles: string[] = ['reporter']): UserEvent => ({ type: 'UserCreated', data: { userId: LAN, username: 'lan.nguyen', roles } });
const change = (data: { roles?: ('reporter' | 'editor' | 'admin')[]; disabled?: boolean; newPassword?: boolean }) => ({
  type: 'ChangeUser' as const,
  data: { newPassword: false, ...data },
});

describe('the user decider', () => {
  describe('creating', () => {
    it('records who the user is and their roles, never a password', () => {
      const { state } = given([]).when({ type: 'CreateUser', data: { userId: LAN, username: 'lan.nguyen', roles: ['reporter'] } }, admin()).then([created()]);
      expect(state).toEqual({ id: LAN, username: 'lan.nguyen', roles: ['reporter'], disabled: false, tokenGeneration: 0 });
    });

    it('the system creates users too (first start, the command line)', () => {
      given([]).when({ type: 'CreateUser', data: { userId: LAN, username: 'lan.nguyen', roles: ['admin'] } }, system).then([created(['admin'])]);
    });

    it('a user id is created once', () => {
      given([created()]).when({ type: 'CreateUser', data: { userId: LAN, username: 'lan.nguyen', roles: ['reporter'] } }, admin()).thenThrows('USER_EXISTS');
    });
  });

  describe('who may change whom', () => {
    it('only an admin (or the system) manages users', () => {
      given([created()]).when(change({ roles: ['editor'] }), { actor: { id: LAN, roles: ['reporter', 'editor'] }, enabledAdmins: [OTHER_ADMIN] }).thenThrows('USER_ADMIN_ONLY');
    });

    it('a change to nobody is refused', () => {
      given([]).when(change({ disabled: true }), admin()).thenThrows('USER_NOT_FOUND');
    });
  });

  describe('changing', () => {
    it('records only what changed, roles by set (the same roles in another order change nothing)', () => {
      given([created(['reporter', 'editor'])]).when(change({ roles: ['editor', 'reporter'] }), admin()).then([]);
      given([created()]).when(change({ roles: ['reporter', 'editor'] }), admin()).then([
        { type: 'UserRolesChanged', data: { username: 'lan.nguyen', from: ['reporter'], to: ['reporter', 'editor'] } },
      ]);
    });

    it('roles, then disabling, then the password, in that order', () => {
      given([created()])
        .when(change({ roles: ['editor'], disabled: true, newPassword: true }), admin())
        .then([
          { type: 'UserRolesChanged', data: { username: 'lan.nguyen', from: ['reporter'], to: ['editor'] } },
          { type: 'UserDisabled', data: { username: 'lan.nguyen' } },
          { type: 'UserPasswordChanged', data: { username: 'lan.nguyen' } },
        ]);
    });

    it('disabling an account already disabled, or enabling one enabled, records nothing', () => {
      given([created(), { type: 'UserDisabled', data: { username: 'lan.nguyen' } }]).when(change({ disabled: true }), admin()).then([]);
      given([created()]).when(change({ disabled: false }), admin()).then([]);
    });
  });

  describe('token generation', () => {
    it('a new password ends every token issued before it', () => {
      const { state } = given([created()]).when(change({ newPassword: true }), admin()).then([{ type: 'UserPasswordChanged', data: { username: 'lan.nguyen' } }]);
      expect(state?.tokenGeneration).toBe(1);
    });

    it('disabling ends them too, and enabling again does not bring them back', () => {
      const disabled = given([created()]).when(change({ disabled: true }), admin()).then([{ type: 'UserDisabled', data: { username: 'lan.nguyen' } }]);
      expect(disabled.state).toMatchObject({ disabled: true, tokenGeneration: 1 });
      const enabled = given([created(), ...disabled.events]).when(change({ disabled: false }), admin()).then([{ type: 'UserEnabled', data: { username: 'lan.nguyen' } }]);
      expect(enabled.state).toMatchObject({ disabled: false, tokenGeneration: 1 });
    });

    it('a change of roles ends no token (roles are read on every request)', () => {
      const { state } = given([created()]).when(change({ roles: ['editor'] }), admin()).then([
        { type: 'UserRolesChanged', data: { username: 'lan.nguyen', from: ['reporter'], to: ['editor'] } },
      ]);
      expect(state?.tokenGeneration).toBe(0);
    });
  });

  describe('the last enabled admin', () => {
    const lastAdmin = admin([LAN]);

    it('cannot be disabled', () => {
      given([created(['admin'])]).when(change({ disabled: true }), lastAdmin).thenThrows('LAST_ADMIN');
    });

    it('cannot be demoted', () => {
      given([created(['admin'])]).when(change({ roles: ['editor'] }), lastAdmin).thenThrows('LAST_ADMIN');
    });

    it('may change their password, or keep admin among new roles', () => {
      given([created(['admin'])]).when(change({ newPassword: true }), lastAdmin).then([{ type: 'UserPasswordChanged', data: { username: 'lan.nguyen' } }]);
      given([created(['admin'])]).when(change({ roles: ['admin', 'editor'] }), lastAdmin).then([
        { type: 'UserRolesChanged', data: { username: 'lan.nguyen', from: ['admin'], to: ['admin', 'editor'] } },
      ]);
    });

    it('may be disabled once another admin is enabled', () => {
      given([created(['admin'])]).when(change({ disabled: true }), admin([LAN, OTHER_ADMIN])).then([{ type: 'UserDisabled', data: { username: 'lan.nguyen' } }]);
    });
  });
});
