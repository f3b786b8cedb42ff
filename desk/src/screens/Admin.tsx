import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { can, ROLES, type Role } from '../api/model';
import type { components } from '../api/schema';
import { asProblem, explain } from '../api/problem';
import { Notice } from '../components/Notice';
import { useMe } from '../context';

type UserRow = components['schemas']['UserView'];
type Projection = components['schemas']['ProjectionStatusView'];
type Verify = components['schemas']['VerifyReportView'];

/** Admin: users and roles (admins), projection lag (admins), and verification of the record (auditors, admins). */
export default function Admin() {
  const allowed = can(useMe());
  return (
    <section>
      <h1>Admin</h1>
      {allowed.admin && <Users />}
      {allowed.admin && <Projections />}
      {allowed.verify && <VerifyPanel />}
    </section>
  );
}

function Users() {
  const uid = useId();
  const [users, setUsers] = useState<UserRow[]>([]);
  const [error, setError] = useState('');
  const [ok, setOk] = useState('');
  const [form, setForm] = useState({ username: '', password: '', roles: ['reporter'] as Role[] });
  const load = useCallback(async () => {
    const { data, error: err, response } = await api.GET('/users');
    if (!response.ok) return setError(explain(asProblem(err, response), 'manage users'));
    setUsers(data!);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const update = async (u: UserRow, body: { roles?: Role[]; disabled?: boolean }, done: string) => {
    setError('');
    const { error: err, response } = await api.PATCH('/users/{id}', { params: { path: { id: u.id } }, body });
    if (!response.ok) return setError(explain(asProblem(err, response), 'change this user'));
    setOk(done);
    await load();
  };
  const create = async (e: FormEvent) => {
    e.preventDefault();
    const { error: err, response } = await api.POST('/users', { body: form });
    if (!response.ok) return setError(explain(asProblem(err, response), 'add users'));
    setOk(`User ${form.username} added.`);
    setForm({ username: '', password: '', roles: ['reporter'] });
    await load();
  };

  return (
    <section className="panel" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Users and roles</h2>
      <Notice kind="error">{error}</Notice>
      <Notice kind="ok">{ok}</Notice>
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Users table">
        <table>
          <caption className="sr-only">Users, their roles and whether they may sign in</caption>
          <thead>
            <tr>
              <th scope="col">User</th>
              {ROLES.map((r) => (
                <th scope="col" key={r}>
                  {r}
                </th>
              ))}
              <th scope="col">Account</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => (
              <tr key={u.id}>
                <th scope="row">{u.username}</th>
                {ROLES.map((r) => (
                  <td key={r}>
                    <input
                      type="checkbox"
                      aria-label={`${u.username} is ${r}`}
                      checked={u.roles.includes(r)}
                      onChange={(e) => void update(u, { roles: e.target.checked ? [...u.roles, r] : u.roles.filter((x) => x !== r) }, `${u.username}'s roles changed.`)}
                    />
                  </td>
                ))}
                <td>
                  <button type="button" onClick={() => void update(u, { disabled: !u.disabled }, `${u.username} ${u.disabled ? 'enabled' : 'disabled'}.`)}>
                    {u.disabled ? `Enable ${u.username}` : `Disable ${u.username}`}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <form onSubmit={create} className="grid" aria-labelledby={`${uid}-new`}>
        <h3 id={`${uid}-new`}>Add a user</h3>
        <div>
          <label htmlFor={`${uid}-u`}>Username</label>
          <input id={`${uid}-u`} value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} required autoComplete="off" />
        </div>
        <div>
          <label htmlFor={`${uid}-p`}>Password</label>
          <input id={`${uid}-p`} type="password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} required autoComplete="new-password" />
        </div>
        <fieldset>
          <legend>Roles</legend>
          {ROLES.map((r) => (
            <label key={r} className="inline">
              <input type="checkbox" checked={form.roles.includes(r)} onChange={(e) => setForm({ ...form, roles: e.target.checked ? [...form.roles, r] : form.roles.filter((x) => x !== r) })} /> {r}
            </label>
          ))}
        </fieldset>
        <button type="submit">Add user</button>
      </form>
    </section>
  );
}

function Projections() {
  const uid = useId();
  const [rows, setRows] = useState<Projection[] | null>(null);
  const [error, setError] = useState('');
  const load = useCallback(async () => {
    const { data, error: err, response } = await api.GET('/admin/projections');
    if (!response.ok) return setError(explain(asProblem(err, response), 'read projections'));
    setRows(data!);
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <section className="panel" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Read models</h2>
      <Notice kind="error">{error}</Notice>
      {rows && (
        <div className="table-wrap" tabIndex={0} role="region" aria-label="Read models table">
          <table>
            <caption className="sr-only">How far each read model is behind the event log</caption>
            <thead>
              <tr>
                <th scope="col">Read model</th>
                <th scope="col">Position</th>
                <th scope="col">Behind by (events)</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((p) => (
                <tr key={p.name}>
                  <th scope="row">{p.name}</th>
                  <td>{p.position}</td>
                  <td>{p.lagEvents}</td>
                  <td>{p.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <button type="button" onClick={() => void load()}>
        Refresh
      </button>
    </section>
  );
}

function VerifyPanel() {
  const uid = useId();
  const [result, setResult] = useState<Verify | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const verify = async () => {
    setBusy(true);
    const { data, error: err, response } = await api.GET('/audit/verify');
    setBusy(false);
    if (!response.ok) return setError(explain(asProblem(err, response), 'verify the record'));
    setResult(data!);
  };
  return (
    <section className="panel" aria-labelledby={`${uid}-h`}>
      <h2 id={`${uid}-h`}>Verify the record</h2>
      <p className="muted">Recomputes every event's hash chain: anything edited behind the service's back shows up here.</p>
      <button type="button" onClick={() => void verify()} disabled={busy}>
        Verify now
      </button>
      <Notice kind="error">{error}</Notice>
      {result && (
        <Notice kind={result.ok ? 'ok' : 'error'}>
          {result.ok ? 'Intact' : 'Broken'}: {result.streamsChecked} stories and {result.eventsChecked} events checked
          {result.failures.length > 0 && (
            <ul>
              {result.failures.map((f, i) => (
                <li key={i}>
                  {f.articleId}{f.version !== null && ` version ${f.version}`}: {f.reason}
                </li>
              ))}
            </ul>
          )}
        </Notice>
      )}
    </section>
  );
}
