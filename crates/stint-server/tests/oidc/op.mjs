// The OpenID Provider of Stint's OIDC tests: panva's oidc-provider (OpenID-certified), with one
// static confidential client and a scripted interaction instead of a person.
//
// Environment: PORT, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI; DEVICE_FLOW=0 turns off the device
// authorization grant (RFC 8628), which is on otherwise.
//
// The interaction signs in the account named by `login_hint`, written `sub` or
// `sub;amr=pwd,mfa;acr=VALUE` (without a hint, the account added last); without an `acr` in the
// hint it takes the first requested `acr_values`. Test-only endpoints beside the provider (never in a real deployment):
//   POST /test/accounts  {sub, email, email_verified, preferred_username, name, oid}: adds an account
//                        (`oid`, as Entra's object id, goes into the ID token when given)
//   POST /test/rotate    replaces the signing key (a new `kid`): key rotation
//   GET  /test/last-authorization  the parameters of the last authorization request
//   POST /test/forge     {claims}: an ID token signed with a key the provider never published,
//                        under the current `kid` (to prove that Stint refuses it)
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

// PORT=0 (or unset): the system picks a free port, and the issuer is printed once listening.
const port = Number(process.env.PORT || 0);
let issuer;
const accounts = new Map();
let lastAdded;
let lastAuthorization = {};

function newKey() {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };
}

function parseHint(hint = '') {
  const [sub, ...options] = hint.split(';');
  const result = { sub, amr: ['pwd'], acr: undefined };
  for (const option of options) {
    const [name, value] = option.split('=');
    if (name === 'amr') result.amr = value.split(',');
    if (name === 'acr') result.acr = value;
  }
  return result;
}

const deviceFlow = process.env.DEVICE_FLOW !== '0';

function makeProvider(key) {
  const provider = new Provider(issuer, {
    clients: [{
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: [process.env.REDIRECT_URI],
      response_types: ['code'],
      grant_types: deviceFlow
        ? ['authorization_code', 'urn:ietf:params:oauth:grant-type:device_code']
        : ['authorization_code'],
    }],
    jwks: { keys: [key] },
    claims: {
      openid: ['sub', 'auth_time', 'acr', 'amr', 'oid'],
      email: ['email', 'email_verified'],
      profile: ['name', 'preferred_username'],
    },
    acrValues: ['urn:stint:test:pwd', 'urn:stint:test:mfa', 'c1', 'c2'],
    conformIdTokenClaims: false,
    ttl: { IdToken: 60, AccessToken: 60, Session: 600, Grant: 600, Interaction: 600 },
    features: { devInteractions: { enabled: false }, deviceFlow: { enabled: deviceFlow } },
    async findAccount(ctx, sub) {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, async claims() { return { ...account, sub } } };
    },
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid email profile');
      grant.addOIDCClaims(['email', 'email_verified', 'name', 'preferred_username', 'acr', 'amr', 'auth_time', 'oid']);
      await grant.save();
      return grant;
    },
  });
  return provider;
}

let key = newKey();
let provider;

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString()) : {};
}

function b64url(value) {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

function forge(claims) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const head = b64url({ alg: 'RS256', typ: 'JWT', kid: key.kid });
  const payload = b64url(claims);
  const signature = crypto.sign('sha256', Buffer.from(`${head}.${payload}`), privateKey);
  return `${head}.${payload}.${signature.toString('base64url')}`;
}

function json(res, status, value) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/test/accounts' && req.method === 'POST') {
      const account = await body(req);
      accounts.set(account.sub, account);
      lastAdded = account.sub;
      return json(res, 200, { ok: true });
    }
    if (url.pathname === '/test/rotate' && req.method === 'POST') {
      key = newKey();
      provider = makeProvider(key);
      return json(res, 200, { kid: key.kid });
    }
    if (url.pathname === '/test/last-authorization') {
      return json(res, 200, lastAuthorization);
    }
    if (url.pathname === '/test/forge' && req.method === 'POST') {
      const { claims } = await body(req);
      return json(res, 200, { id_token: forge({ iss: issuer, ...claims }) });
    }
    if (url.pathname === '/auth') {
      lastAuthorization = Object.fromEntries(url.searchParams);
    }
    if (url.pathname.startsWith('/interaction/')) {
      const details = await provider.interactionDetails(req, res);
      const hint = parseHint(details.params.login_hint || lastAdded);
      if (!accounts.has(hint.sub)) {
        return provider.interactionFinished(req, res, {
          error: 'access_denied', error_description: 'no such account',
        }, { mergeWithLastSubmission: false });
      }
      const requested = (details.params.acr_values || '').split(' ').filter(Boolean);
      return provider.interactionFinished(req, res, {
        login: { accountId: hint.sub, amr: hint.amr, acr: hint.acr || requested[0] },
      }, { mergeWithLastSubmission: false });
    }
    return provider.callback()(req, res);
  } catch (error) {
    json(res, 500, { error: String(error) });
  }
});

server.listen(port, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = makeProvider(key);
  // The first line of standard output: the test reads its provider's address from it.
  console.log(issuer);
});
