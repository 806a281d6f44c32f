// usersdk.mjs: Descope's Node SDK (@descope/node-sdk, the version package.json pins) against an
// emulator of Descope's user-management API (`descope-users emulate`). Written for this
// repository; nothing here is copied from the SDK.
//
//   node usersdk.mjs BASE_URL PROJECT_ID MANAGEMENT_KEY
//   (or DESCOPE_BASE_URL, DESCOPE_PROJECT_ID and DESCOPE_MANAGEMENT_KEY in the environment)
//
// It makes the client as a user of the SDK does, DescopeClient({projectId, managementKey,
// baseUrl}), and calls every method of management.user once or more, with ordinary arguments,
// in a fixed order on users it creates itself (the emulator starts empty). After each call it
// checks the call's effect: through load, loadUsers or search, or through the call's own answer
// where nothing else can show it. It prints one line per method, PASS or FAIL and why, then a
// summary, and exits 1 when any method failed (2 on bad usage). A method of the SDK that this
// script does not call fails too, so a newer SDK's new method cannot pass unnoticed.
//
// A refused call's line says what the SDK sent (method, path, query and body, as it handed them
// to its HTTP client) and what the emulator answered (status, errorCode, description, message).
// What Descope's SDK sends and the emulator refuses is a defect of the spec or the emulator.
//
// Every method of management.user in 2.13.0 calls an operation the emulator serves, so none is
// skipped (NOT_SERVED below is empty). Some effects exist only on Descope's sign-in side, which
// the emulator starts without: passkeys, trusted devices, provider tokens, sign-in history and
// sessions. Those calls are checked to be accepted and to answer the (empty) shape the SDK
// reads; each check says so.
//
// No connection may leave the machine: every TCP connection the process opens is checked to go
// to a loopback address, and one that would not is refused and fails the run.

import net from 'node:net';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import DescopeClient from '@descope/node-sdk';

// Methods of management.user whose operation the emulator does not serve, each with the reason.
// None in @descope/node-sdk 2.13.0: all 63 call paths that spec/openapi.yaml has.
const NOT_SERVED = {};

// ---- the loopback guard ----

const leaks = [];
const isLoopback = (host) =>
  host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function loopbackOnly(...args) {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  let host;
  if (first !== null && typeof first === 'object') {
    host = first.path ? 'localhost' : (first.host ?? 'localhost'); // a path is a local socket
  } else if (typeof first === 'number' || /^\d+$/.test(String(first))) {
    host = typeof args[1] === 'string' ? args[1] : 'localhost';
  } else {
    host = 'localhost'; // connect(path): a local socket
  }
  if (!isLoopback(host)) {
    leaks.push(host);
    throw new Error(`usersdk.mjs: refused a connection to ${host}: nothing may leave the machine`);
  }
  return connect.apply(this, args);
};

// ---- arguments and the client ----

const [baseUrl, projectId, managementKey] = [
  process.argv[2] ?? process.env.DESCOPE_BASE_URL,
  process.argv[3] ?? process.env.DESCOPE_PROJECT_ID,
  process.argv[4] ?? process.env.DESCOPE_MANAGEMENT_KEY,
];
if (!baseUrl || !projectId || !managementKey) {
  console.error('usage: node usersdk.mjs BASE_URL PROJECT_ID MANAGEMENT_KEY');
  process.exit(2);
}
if (!isLoopback(new URL(baseUrl).hostname)) {
  console.error(`usersdk.mjs: ${baseUrl} is not a loopback address; this script only runs against a local emulator`);
  process.exit(2);
}
const sdkVersion = JSON.parse(
  readFileSync(new URL('./node_modules/@descope/node-sdk/package.json', import.meta.url), 'utf8'),
).version;

const started = Date.now();

// The last request the SDK's management client made, as it handed it to its HTTP client (the
// public afterRequest hook), to say what was sent when a call is refused. The license request
// the client sends by itself at start is left out: it may finish during the first call.
let lastRequest;
const client = DescopeClient({
  projectId,
  managementKey,
  baseUrl,
  hooks: {
    afterRequest: (req) => {
      if (!String(req.path).endsWith('/mgmt/license')) {
        lastRequest = { method: req.method, path: req.path, query: req.queryParams, body: req.body };
      }
    },
  },
});
const user = client.management.user;

// ---- calling and checking ----

class Failure extends Error {}

const show = (v) => JSON.stringify(v);

function sentText() {
  if (!lastRequest) return 'nothing was sent';
  const { method, path, query, body } = lastRequest;
  const q = query ? `?${new URLSearchParams(query)}` : '';
  return `sent ${method} /${String(path).replace(/^\//, '')}${q}${body === undefined ? '' : ` ${show(body)}`}`;
}

function refusal(method, res) {
  const e = res.error ?? {};
  return `${method} refused: HTTP ${res.code} ${e.errorCode ?? ''} ${e.errorDescription ?? ''}: ${e.errorMessage ?? ''}; ${sentText()}`;
}

// call runs management.user[method](...args) and answers its data, or fails with what was sent
// and what came back.
async function call(method, ...args) {
  lastRequest = undefined;
  const res = await user[method](...args);
  if (!res || !res.ok) throw new Failure(refusal(method, res ?? {}));
  return res.data;
}

// answer runs the method and answers the whole SdkResponse, for calls expected to be refused.
async function answer(method, ...args) {
  lastRequest = undefined;
  return user[method](...args);
}

function want(ok, what, got) {
  if (!ok) throw new Failure(`${what}; got ${show(got)}`);
}

function equal(got, expected, what) {
  want(isDeepStrictEqual(got, expected), `${what} should be ${show(expected)}`, got);
}

const sorted = (list) => [...(list ?? [])].sort();
const logins = (users) => sorted((users ?? []).map((u) => u.loginIds?.[0]));
const tenant = (u, id) => (u.userTenants ?? []).find((t) => t.tenantId === id);

// load finds a user through management.user.load (itself checked in its own step).
const load = (loginIdOrUserId) => call('load', loginIdOrUserId);

// gone checks that no user has the login ID or user ID any more: load answers not found.
async function gone(loginIdOrUserId) {
  const res = await answer('load', loginIdOrUserId);
  want(!res.ok && res.code === 404 && res.error?.errorCode === 'E112102',
    `load(${show(loginIdOrUserId)}) should answer 404 E112102 (no such user)`, { code: res.code, error: res.error });
}

// ---- the steps: one per method, in the order they run ----

const steps = [];
const step = (method, run) => steps.push({ method, run });

const AMY = 'amy@example.com';
const BOB = 'bob@example.com';
const TOM = 'test-tom@example.com'; // the one test user (Descope's free tier allows 5)
const IVY = 'ivy@example.com';
const CAT = 'cat@example.com';
const DAN = 'dan@example.com';
const ANN = 'ann@example.com';
const BEN = 'ben@example.com';
const IMP = 'imp@example.com';
const PASSWORD = 'Correct-Horse-9-Battery';
const BCRYPT = '$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy'; // bcrypt of "password"
const TOTP_SEED = 'JBSWY3DPEHPK3PXP';
const REDIRECT = 'https://app.example.com/verify';
const ids = {}; // user IDs by login ID, as the creating calls answered them

// Creating users.

step('create', async () => {
  const amy = await call('create', AMY, {
    email: AMY,
    phone: '+15555550101',
    displayName: 'Amy Adams',
    givenName: 'Amy',
    familyName: 'Adams',
    roles: ['viewer'],
    userTenants: [{ tenantId: 'T1', roleNames: ['member'] }],
    customAttributes: { dept: 'eng', seats: 3 },
    picture: 'https://example.com/amy.png',
    verifiedEmail: true,
    additionalLoginIds: ['amy.adams'],
    ssoAppIds: ['app-0'],
  });
  want(amy?.loginIds?.[0] === AMY && amy.userId, 'the answer should be amy with a user ID', amy);
  ids[AMY] = amy.userId;
  const bob = await call('create', BOB, BOB, '+15555550102', 'Bob Brown'); // the positional form
  ids[BOB] = bob.userId;

  const a = await load(AMY);
  equal(a.userId, ids[AMY], 'amy loaded: userId');
  equal(sorted(a.loginIds), sorted([AMY, 'amy.adams']), 'amy: loginIds');
  equal([a.email, a.phone, a.name, a.givenName, a.familyName, a.picture, a.verifiedEmail],
    [AMY, '+15555550101', 'Amy Adams', 'Amy', 'Adams', 'https://example.com/amy.png', true],
    'amy: email, phone, name, givenName, familyName, picture, verifiedEmail');
  equal(a.roleNames, ['viewer'], 'amy: roleNames');
  equal(sorted(tenant(a, 'T1')?.roleNames), ['member'], "amy: T1's roles");
  equal(a.customAttributes, { dept: 'eng', seats: 3 }, 'amy: customAttributes');
  equal(a.ssoAppIds, ['app-0'], 'amy: ssoAppIds');
  const b = await load(BOB);
  equal([b.email, b.phone, b.name], [BOB, '+15555550102', 'Bob Brown'], 'bob: email, phone, name');
  return 'amy (options) and bob (positional) created; load finds every field given';
});

step('createTestUser', async () => {
  const tom = await call('createTestUser', TOM, { email: TOM, displayName: 'Tom Test' });
  ids[TOM] = tom.userId;
  const t = await load(TOM);
  equal([t.test, t.email, t.name], [true, TOM, 'Tom Test'], 'tom: test, email, name');
  return 'load finds tom, a test user';
});

step('invite', async () => {
  const ivy = await call('invite', IVY, {
    email: IVY,
    displayName: 'Ivy Ives',
    inviteUrl: 'https://app.example.com/welcome',
    sendMail: true,
    sendSMS: false,
    templateId: 'welcome-v2',
    templateOptions: { team: 'Platform' },
    locale: 'en-GB',
  });
  ids[IVY] = ivy.userId;
  const i = await load(IVY);
  equal([i.status, i.email, i.name], ['invited', IVY, 'Ivy Ives'], 'ivy: status, email, name');
  return 'load finds ivy, invited (the mail itself is not observable)';
});

step('inviteBatch', async () => {
  const res = await call('inviteBatch', [
    { loginIdOrUserId: CAT, email: CAT, displayName: 'Cat Carter' },
    { loginIdOrUserId: DAN, phone: '+15555550104', displayName: 'Dan Dunn' },
  ], 'https://app.example.com/welcome', true, true, { team: 'Platform' }, 'welcome-v2', 'fr');
  equal(logins(res.createdUsers), [CAT, DAN], 'createdUsers');
  equal(res.failedUsers ?? [], [], 'failedUsers');
  for (const u of res.createdUsers) ids[u.loginIds[0]] = u.userId;
  const c = await load(CAT);
  const d = await load(DAN);
  equal([c.status, c.email, d.status, d.phone], ['invited', CAT, 'invited', '+15555550104'], 'cat and dan: status and contact');
  return 'both created and listed; load finds cat and dan invited';
});

step('createBatch', async () => {
  const res = await call('createBatch', [
    { loginIdOrUserId: ANN, email: ANN, password: PASSWORD, roles: ['viewer'], status: 'enabled' },
    {
      loginIdOrUserId: BEN,
      email: BEN,
      verifiedEmail: true,
      hashedPassword: { bcrypt: { hash: BCRYPT } },
      seed: TOTP_SEED,
      userTenants: [{ tenantId: 'T1', roleNames: ['member'] }],
      additionalLoginIds: ['ben.b'],
    },
  ]);
  equal(logins(res.createdUsers), [ANN, BEN], 'createdUsers');
  equal(res.failedUsers ?? [], [], 'failedUsers');
  for (const u of res.createdUsers) ids[u.loginIds[0]] = u.userId;
  const a = await load(ANN);
  const b = await load(BEN);
  equal([a.password, a.roleNames, a.status], [true, ['viewer'], 'enabled'], 'ann: password, roleNames, status');
  equal([b.password, b.TOTP], [true, true], 'ben: password (imported bcrypt), TOTP (seed)');
  equal([sorted(b.loginIds), sorted(tenant(b, 'T1')?.roleNames)], [sorted([BEN, 'ben.b']), ['member']], "ben: loginIds, T1's roles");
  return 'ann (password) and ben (bcrypt hash, TOTP seed) created; load shows the password and TOTP';
});

step('import', async () => {
  const lines = `${show({ loginId: IMP, email: IMP, name: 'Imp Orted' })}\n`;
  const res = await call('import', 'descope', Buffer.from(lines).toString('base64'), undefined, false);
  equal(logins(res.users), [IMP], 'users imported');
  equal(res.failures ?? [], [], 'failures');
  const i = await load(IMP);
  equal([i.email, i.name], [IMP, 'Imp Orted'], 'imp: email, name');
  return 'one user imported (users as base64 of JSON Lines); load finds it';
});

// Reading users.

step('load', async () => {
  const a = await call('load', AMY);
  equal([a.userId, a.loginIds?.[0]], [ids[AMY], AMY], 'amy: userId, first login ID');
  await gone('nobody@example.com');
  return 'finds amy by login ID; an unknown login ID answers 404 E112102';
});

step('loadByUserId', async () => {
  const a = await call('loadByUserId', ids[AMY]);
  equal(a.loginIds?.[0], AMY, "the user of amy's ID");
  return 'finds amy by user ID';
});

step('loadUsers', async () => {
  const users = await call('loadUsers', [ids[AMY], ids[BOB]]);
  equal(logins(users), [AMY, BOB], 'users');
  return 'finds amy and bob by user ID';
});

step('search', async () => {
  const byEmail = await call('search', { emails: [AMY] });
  equal([logins(byEmail.users), byEmail.total], [[AMY], 1], 'search by email: users, total');
  const byRole = await call('search', { roles: ['viewer'], limit: 10, page: 0, sort: [{ field: 'email', desc: true }] });
  equal([byRole.users.map((u) => u.loginIds[0]), byRole.total], [[ANN, AMY], 2], 'search by role, email descending: users, total');
  const many = await call('search', {
    customAttributes: { dept: 'eng' },
    tenantRoleNames: { T1: { values: ['member'] } },
    verifiedEmail: true,
    fromCreatedTime: started - 60_000,
    toCreatedTime: Date.now() + 60_000,
  });
  equal([logins(many.users), many.total], [[AMY], 1], 'search by attribute, tenant role, verified email and creation time');
  const byIds = await call('search', { loginIds: [BOB], userIds: [ids[BOB]], statuses: ['invited', 'enabled'] });
  equal(logins(byIds.users), [BOB], 'search by login ID, user ID and status');
  return 'by email; by role, sorted; by attribute, tenant role, verified flag and time; by IDs and status';
});

step('searchAll', async () => {
  const users = await call('searchAll', undefined, ['viewer'], 10, 0);
  equal(logins(users), [AMY, ANN].sort(), 'users with role viewer');
  return 'by role viewer: amy and ann';
});

step('searchTestUsers', async () => {
  const res = await call('searchTestUsers', { limit: 10, page: 0, sort: [{ field: 'email' }] });
  equal([logins(res.users), res.total], [[TOM], 1], 'test users, total');
  return 'only tom, the test user';
});

// Changing users.

step('update', async () => {
  await call('update', BOB, { email: 'bob@work.example.com', displayName: 'Robert Brown', roles: ['editor'] });
  const b = await load(BOB);
  equal([b.email, b.name, b.roleNames, b.phone], ['bob@work.example.com', 'Robert Brown', ['editor'], ''],
    'bob: email, name, roleNames, and phone cleared (update replaces the user)');
  return "bob replaced: new email, name and roles, the phone it did not give cleared";
});

step('patch', async () => {
  await call('patch', AMY, { displayName: 'Amy A. Adams', customAttributes: { plan: 'pro' }, additionalIdentifiers: ['amy.a'] });
  const a = await load(AMY);
  equal(a.name, 'Amy A. Adams', 'amy: name (displayName)');
  equal(a.customAttributes, { dept: 'eng', seats: 3, plan: 'pro' }, 'amy: customAttributes merged');
  want(a.loginIds?.[0] === AMY && a.loginIds.includes('amy.a'), "amy's login IDs should be amy@example.com first and include amy.a", a.loginIds);
  equal(a.email, AMY, 'amy: email (not in the patch)');
  return 'name, attribute merged, additional identifier set; the rest unchanged';
});

step('patchBatch', async () => {
  const res = await call('patchBatch', [
    { loginIdOrUserId: AMY, middleName: 'Q' },
    { loginIdOrUserId: BOB, picture: 'https://example.com/bob.png', verifiedEmail: true, status: 'enabled', userTenants: [{ tenantId: 'T3', roleNames: ['viewer'] }] },
  ]);
  equal(logins(res.patchedUsers), [AMY, BOB], 'patchedUsers');
  equal(res.failedUsers ?? [], [], 'failedUsers');
  const a = await load(AMY);
  const b = await load(BOB);
  equal([a.middleName, a.name], ['Q', 'Amy A. Adams'], 'amy: middleName, name unchanged');
  equal([b.picture, b.verifiedEmail, b.status], ['https://example.com/bob.png', true, 'enabled'], 'bob: picture, verifiedEmail, status');
  equal(sorted(tenant(b, 'T3')?.roleNames), ['viewer'], "bob: T3's roles");
  return 'both patched; load shows each change';
});

step('deactivate', async () => {
  const b = await call('deactivate', BOB);
  equal(b.status, 'disabled', 'the answer: status');
  equal((await load(BOB)).status, 'disabled', 'bob: status');
  return 'bob disabled';
});

step('activate', async () => {
  await call('activate', BOB);
  equal((await load(BOB)).status, 'enabled', 'bob: status');
  return 'bob enabled';
});

step('updateLoginId', async () => {
  await call('updateLoginId', DAN, 'dan@example.org');
  const d = await load('dan@example.org');
  equal(d.userId, ids[DAN], "the user of dan's new login ID");
  await gone(DAN);
  return "dan's login ID replaced: the new one finds dan, the old one nobody";
});

step('updateEmail', async () => {
  await call('updateEmail', AMY, 'amy@work.example.com', true, true);
  const a = await load(AMY);
  equal([a.email, a.verifiedEmail], ['amy@work.example.com', true], 'amy: email, verifiedEmail');
  return 'email set, verified';
});

step('updatePhone', async () => {
  await call('updatePhone', AMY, '+15555550111', true, true);
  const a = await load(AMY);
  equal([a.phone, a.verifiedPhone], ['+15555550111', true], 'amy: phone, verifiedPhone');
  return 'phone set, verified';
});

step('updateDisplayName', async () => {
  await call('updateDisplayName', AMY, 'Amy Adams', 'Amy', 'Quinn', 'Adams');
  const a = await load(AMY);
  equal([a.name, a.givenName, a.middleName, a.familyName], ['Amy Adams', 'Amy', 'Quinn', 'Adams'], 'amy: names');
  return 'display, given, middle and family names set';
});

step('updateUserNames', async () => {
  await call('updateUserNames', BOB, 'Robert', 'J', 'Brown');
  const b = await load(BOB);
  equal([b.givenName, b.middleName, b.familyName], ['Robert', 'J', 'Brown'], 'bob: given, middle, family names');
  return 'given, middle and family names set';
});

step('updatePicture', async () => {
  await call('updatePicture', AMY, 'https://example.com/amy-2.png');
  equal((await load(AMY)).picture, 'https://example.com/amy-2.png', 'amy: picture');
  return 'picture set';
});

step('updateCustomAttribute', async () => {
  await call('updateCustomAttribute', AMY, 'seats', 5);
  equal((await load(AMY)).customAttributes, { dept: 'eng', seats: 5, plan: 'pro' }, 'amy: customAttributes');
  return 'seats set to 5, the other attributes kept';
});

step('updateRecoveryEmail', async () => {
  await call('updateRecoveryEmail', AMY, 'amy.backup@example.com', true);
  const a = await load(AMY);
  equal([a.recoveryEmail, a.verifiedRecoveryEmail], ['amy.backup@example.com', true], 'amy: recoveryEmail, verifiedRecoveryEmail');
  return 'recovery email set, verified';
});

step('updateRecoveryPhone', async () => {
  await call('updateRecoveryPhone', AMY, '+15555550199');
  const a = await load(AMY);
  equal([a.recoveryPhone, a.verifiedRecoveryPhone], ['+15555550199', false], 'amy: recoveryPhone, verifiedRecoveryPhone');
  return 'recovery phone set, not verified';
});

step('setRoles', async () => {
  await call('setRoles', BOB, ['viewer', 'editor']);
  equal(sorted((await load(BOB)).roleNames), ['editor', 'viewer'], 'bob: roleNames');
  return 'roles replaced by viewer and editor';
});

step('addRoles', async () => {
  await call('addRoles', BOB, ['admin']);
  equal(sorted((await load(BOB)).roleNames), ['admin', 'editor', 'viewer'], 'bob: roleNames');
  return 'admin added';
});

step('removeRoles', async () => {
  await call('removeRoles', BOB, ['viewer']);
  equal(sorted((await load(BOB)).roleNames), ['admin', 'editor'], 'bob: roleNames');
  return 'viewer removed';
});

step('addTenant', async () => {
  await call('addTenant', BOB, 'T2');
  const t = tenant(await load(BOB), 'T2');
  want(t !== undefined && (t.roleNames ?? []).length === 0, 'bob should be in T2 with no roles', t);
  return 'bob in T2';
});

step('setTenantRoles', async () => {
  await call('setTenantRoles', BOB, 'T2', ['member']);
  equal(sorted(tenant(await load(BOB), 'T2')?.roleNames), ['member'], "bob: T2's roles");
  return "T2's roles replaced by member";
});

step('addTenantRoles', async () => {
  await call('addTenantRoles', BOB, 'T2', ['admin']);
  equal(sorted(tenant(await load(BOB), 'T2')?.roleNames), ['admin', 'member'], "bob: T2's roles");
  return 'admin added in T2';
});

step('removeTenantRoles', async () => {
  await call('removeTenantRoles', BOB, 'T2', ['member']);
  equal(sorted(tenant(await load(BOB), 'T2')?.roleNames), ['admin'], "bob: T2's roles");
  return 'member removed in T2';
});

step('removeTenant', async () => {
  await call('removeTenant', BOB, 'T2');
  equal(tenant(await load(BOB), 'T2'), undefined, "bob's T2 membership");
  return 'bob out of T2';
});

step('addSSOapps', async () => {
  await call('addSSOapps', BOB, ['app-1']);
  equal(sorted((await load(BOB)).ssoAppIds), ['app-1'], 'bob: ssoAppIds');
  return 'app-1 added';
});

step('setSSOapps', async () => {
  await call('setSSOapps', BOB, ['app-2', 'app-3']);
  equal(sorted((await load(BOB)).ssoAppIds), ['app-2', 'app-3'], 'bob: ssoAppIds');
  return 'apps replaced by app-2 and app-3';
});

step('removeSSOapps', async () => {
  await call('removeSSOapps', BOB, ['app-2']);
  equal(sorted((await load(BOB)).ssoAppIds), ['app-3'], 'bob: ssoAppIds');
  return 'app-2 removed';
});

// Passwords and second factors.

async function setsPassword(method, loginId) {
  equal((await load(loginId)).password, false, `${loginId} before ${method}: password`);
  await call(method, loginId, PASSWORD);
  equal((await load(loginId)).password, true, `${loginId} after ${method}: password`);
  return `${loginId.split('@')[0]} had no password, and has one`;
}

step('setActivePassword', () => setsPassword('setActivePassword', AMY));
step('setTemporaryPassword', () => setsPassword('setTemporaryPassword', BOB));
step('setPassword', () => setsPassword('setPassword', IVY));

step('expirePassword', async () => {
  await call('expirePassword', AMY);
  equal((await load(AMY)).password, true, 'amy: password (expired, still set)');
  return 'accepted; amy still has a password (whether it expired the API does not show)';
});

step('removeTOTPSeed', async () => {
  equal((await load(BEN)).TOTP, true, 'ben before: TOTP');
  await call('removeTOTPSeed', BEN);
  equal((await load(BEN)).TOTP, false, 'ben after: TOTP');
  return "ben's TOTP (from createBatch's seed) removed";
});

// State only Descope's sign-in side creates: the emulator starts without any, so these calls
// are checked to be accepted and to answer the empty shape the SDK reads.

step('listPasskeys', async () => {
  equal(await call('listPasskeys', AMY), [], "amy's passkeys");
  return 'accepted; [] (passkeys come from sign-in)';
});

step('removePasskey', async () => {
  await call('removePasskey', AMY, 'credential-1');
  equal((await load(AMY)).webauthn, false, 'amy: webauthn');
  return 'accepted; an unknown credential is ignored (passkeys come from sign-in)';
});

step('removeAllPasskeys', async () => {
  await call('removeAllPasskeys', AMY);
  equal([(await load(AMY)).webauthn, await call('listPasskeys', AMY)], [false, []], 'amy: webauthn, passkeys');
  return 'accepted; amy has no passkey (passkeys come from sign-in)';
});

step('listTrustedDevices', async () => {
  equal(await call('listTrustedDevices', [AMY, ids[BOB]]), [], 'devices of amy and bob');
  return 'accepted (a login ID and a user ID); [] (devices come from sign-in)';
});

step('removeTrustedDevices', async () => {
  await call('removeTrustedDevices', AMY, ['device-1']);
  equal(await call('listTrustedDevices', [AMY]), [], "amy's devices");
  return 'accepted; an unknown device is ignored (devices come from sign-in)';
});

step('history', async () => {
  equal(await call('history', [ids[AMY], ids[BOB]]), [], 'sign-ins of amy and bob');
  return 'accepted; [] (history comes from sign-in)';
});

step('getProviderToken', async () => {
  // A provider token comes from an OAuth sign-in, which the emulator has not seen: it answers
  // 400 E011004 naming the provider, the error for a user without that token (a request the
  // spec refused would be E011003).
  const res = await answer('getProviderToken', AMY, 'google', { withRefreshToken: true });
  want(!res.ok && res.code === 400 && res.error?.errorCode === 'E011004' && /google/.test(res.error?.errorMessage ?? ''),
    `should answer 400 E011004 naming google (amy has no token); ${sentText()}`, { code: res.code, error: res.error, data: res.data });
  return 'accepted; 400 E011004 "no token from google" (tokens come from OAuth sign-in)';
});

step('logoutUser', async () => {
  equal(await call('logoutUser', AMY), {}, 'the answer');
  return 'accepted; {} (sessions come from sign-in; the API shows none)';
});

step('logoutUserByUserId', async () => {
  equal(await call('logoutUserByUserId', ids[AMY]), {}, 'the answer');
  return 'accepted; {} (sessions come from sign-in; the API shows none)';
});

// Test users and embedded links.

step('generateOTPForTestUser', async () => {
  const res = await call('generateOTPForTestUser', 'email', TOM, { customClaims: { suite: 'contract' } });
  want(res.loginId === TOM && typeof res.code === 'string' && res.code.length > 0, 'the answer should be tom and a code', res);
  return 'a code for tom';
});

step('generateMagicLinkForTestUser', async () => {
  const res = await call('generateMagicLinkForTestUser', 'email', TOM, REDIRECT);
  want(res.loginId === TOM && typeof res.link === 'string' && res.link.startsWith(REDIRECT), `the answer should be tom and a link to ${REDIRECT}`, res);
  return 'a link for tom to the redirect given';
});

step('generateEnchantedLinkForTestUser', async () => {
  const res = await call('generateEnchantedLinkForTestUser', TOM, REDIRECT);
  want(res.loginId === TOM && res.link?.startsWith(REDIRECT) && res.pendingRef, `the answer should be tom, a link to ${REDIRECT} and a pendingRef`, res);
  return 'a link for tom and a pendingRef';
});

step('generateEmbeddedLink', async () => {
  const res = await call('generateEmbeddedLink', AMY, { plan: 'pro' }, 60);
  want(typeof res.token === 'string' && res.token.length > 0, 'the answer should carry a token', res);
  return 'a token for amy';
});

step('generateSignUpEmbeddedLink', async () => {
  const res = await call('generateSignUpEmbeddedLink', 'eve@example.com', { name: 'Eve Evans', email: 'eve@example.com' }, true, false, { customClaims: { plan: 'trial' } }, 60);
  want(typeof res.token === 'string' && res.token.length > 0, 'the answer should carry a token', res);
  return 'a token for eve, who signs up with it';
});

// Custom attribute definitions.

step('getCustomAttributes', async () => {
  const defs = await call('getCustomAttributes');
  want(Array.isArray(defs) && !defs.some((d) => d.name === 'plan'), 'the definitions should be a list without plan', defs);
  return `${defs.length} definitions, plan not among them`;
});

step('createCustomAttributes', async () => {
  const defs = await call('createCustomAttributes', [
    { name: 'plan', displayName: 'Plan', type: 1 },
    { name: 'tier', displayName: 'Tier', type: 4, options: [{ value: 'gold', label: 'Gold' }, { value: 'free', label: 'Free' }], defaultValue: 'free' },
  ]);
  want(defs.some((d) => d.name === 'plan' && d.displayName === 'Plan') && defs.some((d) => d.name === 'tier' && d.options?.length === 2),
    'the answer should list plan and tier with its options', defs);
  const now = await call('getCustomAttributes');
  want(['plan', 'tier'].every((n) => now.some((d) => d.name === n)), 'getCustomAttributes should list plan and tier', now);
  return 'plan and tier (with options) defined; getCustomAttributes lists them';
});

step('deleteCustomAttributes', async () => {
  const defs = await call('deleteCustomAttributes', ['plan', 'tier']);
  want(!defs.some((d) => d.name === 'plan' || d.name === 'tier'), 'the answer should list neither plan nor tier', defs);
  const now = await call('getCustomAttributes');
  want(!now.some((d) => d.name === 'plan' || d.name === 'tier'), 'getCustomAttributes should list neither plan nor tier', now);
  return 'plan and tier gone; getCustomAttributes lists neither';
});

// Deleting users.

step('delete', async () => {
  await call('delete', IVY);
  await gone(IVY);
  return 'ivy deleted: load finds nobody';
});

step('deleteByUserId', async () => {
  await call('deleteByUserId', ids[CAT]);
  await gone(CAT);
  return 'cat deleted by user ID: load finds nobody';
});

step('deleteBatch', async () => {
  await call('deleteBatch', [ids[ANN], ids[BEN]]);
  equal(await call('loadUsers', [ids[ANN], ids[BEN]], true), [], 'loadUsers of ann and ben');
  await gone(ANN);
  await gone(BEN);
  return 'ann and ben deleted: loadUsers and load find nobody';
});

step('deleteAllTestUsers', async () => {
  equal((await call('searchTestUsers', {})).total, 1, 'test users before');
  await call('deleteAllTestUsers');
  const res = await call('searchTestUsers', {});
  equal([res.users, res.total], [[], 0], 'test users after');
  await gone(TOM);
  equal((await load(AMY)).userId, ids[AMY], 'amy (not a test user) after');
  return 'tom gone, searchTestUsers finds none; amy kept';
});

// ---- running ----

const results = new Map();
for (const { method, run } of steps) {
  if (typeof user[method] !== 'function') {
    results.set(method, { ok: false, why: `management.user.${method} does not exist in @descope/node-sdk ${sdkVersion}` });
    continue;
  }
  try {
    results.set(method, { ok: true, why: await run() });
  } catch (e) {
    results.set(method, { ok: false, why: e instanceof Failure ? e.message : `threw ${e?.stack ?? e}` });
  }
}
for (const method of Object.keys(user)) {
  if (results.has(method)) continue;
  results.set(method, method in NOT_SERVED
    ? { ok: true, skipped: true, why: `not served: ${NOT_SERVED[method]}` }
    : { ok: false, why: 'not called by usersdk.mjs: a method this script does not know (add a step for it)' });
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const [method, r] of results) {
  const verdict = r.skipped ? 'SKIP' : r.ok ? 'PASS' : 'FAIL';
  console.log(`${verdict} ${method}: ${r.why}`);
  if (r.skipped) skipped++;
  else if (r.ok) passed++;
  else failed++;
}
if (leaks.length > 0) {
  failed++;
  console.log(`FAIL (loopback guard): connections refused to ${[...new Set(leaks)].join(', ')}`);
}
const methods = Object.keys(user).length;
console.log(`@descope/node-sdk ${sdkVersion} against ${baseUrl}: ${passed} passed, ${failed} failed, ${skipped} not served, ` +
  `of ${methods} management.user methods (${Date.now() - started} ms)`);
process.exit(failed > 0 ? 1 : 0);
