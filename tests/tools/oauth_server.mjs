// A real OAuth 2.0 / OpenID Connect authorization server for the end-to-end tests:
// oidc-provider (panva, MIT) on loopback, issuing short-lived JWT access tokens.
//
//   node oauth_server.mjs            prints `listening http://127.0.0.1:PORT` when ready
//
// Environment: TOKEN_TTL (seconds an access token lives, default 3), RESOURCE (the resource
// indicators tokens may be issued for, comma-separated, the first the default; default
// http://api.test/), TOKEN_FORMAT (`jwt`, checked against the JWKS, or `opaque`, checked by
// introspection and revocable; default jwt), SIGNING_KEY_PEM (a PEM private key file to sign
// tokens with; default a fresh key) and SIGNING_KEY_ID (its kid, default test-key),
// PREVIOUS_KEY_PEM and PREVIOUS_KEY_ID (a retired key still published in the JWKS, as
// during a key rotation), PORT (default: one the system picks).
//
// Besides the standard grants it offers RFC 8693 token exchange (on behalf of a user): a
// client trades an access token this server issued (a JWT, subject_token_type access_token)
// for one to another of its resources (`audience` or `resource`), with the same subject and
// an `act` claim naming the client.
//
// Clients are kept in the provider's adapter, not its static list, so a test can rotate a
// secret while the server runs. Test-only endpoints under /test/ (loopback only):
//   POST /test/clients   {client_id, client_secret}  registers or rotates a client
//   POST /test/refresh-token {client_id, account}    mints a refresh token for that client
//   GET  /test/stats                                  token responses so far, by grant type
import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider, { errors } from 'oidc-provider';

const ttl = Number(process.env.TOKEN_TTL ?? 3);
const resources = (process.env.RESOURCE ?? 'http://api.test/').split(',');
const resource = resources[0];
const scopes = 'read write';
const format = process.env.TOKEN_FORMAT ?? 'jwt';

// SIGNING_KEY_PEM names a PEM private key file to sign with, so a test can mint tokens the
// server would have signed (expired, for another audience, ...); otherwise a fresh key.
const privateKey = process.env.SIGNING_KEY_PEM
  ? createPrivateKey(readFileSync(process.env.SIGNING_KEY_PEM))
  : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signingKid = process.env.SIGNING_KEY_ID ?? 'test-key';
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: signingKid, alg: 'RS256', use: 'sig' };
const keys = [signingKey];
if (process.env.PREVIOUS_KEY_PEM) {
  const previous = createPrivateKey(readFileSync(process.env.PREVIOUS_KEY_PEM));
  keys.push({ ...previous.export({ format: 'jwk' }), kid: process.env.PREVIOUS_KEY_ID ?? 'previous-key', alg: 'RS256', use: 'sig' });
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

const stats = { client_credentials: 0, refresh_token: 0, [TOKEN_EXCHANGE]: 0, failures: 0 };

function start(port) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    jwks: { keys },
    scopes: ['openid', 'offline_access', 'read', 'write'],
    findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    rotateRefreshToken: true,
    // An exchanged token names the client that acts for the subject (RFC 8693 `act`).
    extraTokenClaims: (ctx, token) => (token.gty === 'token_exchange' ? { act: { sub: token.clientId } } : undefined),
    ttl: { AccessToken: ttl, ClientCredentials: ttl, RefreshToken: 3600, Grant: 3600 },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, indicator) => {
          if (!resources.includes(indicator)) {
            throw new errors.InvalidTarget(`unknown resource ${indicator}`);
          }
          return resourceServerInfo(indicator);
        },
      },
    },
  });
  provider.registerGrantType(
    TOKEN_EXCHANGE,
    (ctx) => exchangeToken(provider, issuer, ctx),
    new Set(['subject_token', 'subject_token_type', 'requested_token_type', 'audience', 'resource', 'scope']),
  );
  provider.on('grant.success', (ctx) => {
    const type = ctx.oidc.params.grant_type;
    stats[type] = (stats[type] ?? 0) + 1;
  });
  provider.on('grant.error', () => { stats.failures += 1; });

  provider.use(async (ctx, next) => {
    if (!ctx.path.startsWith('/test/')) {
      return next();
    }
    const body = ctx.method === 'POST' ? await readJson(ctx.req) : {};
    if (ctx.method === 'POST' && ctx.path === '/test/clients') {
      await provider.Client.adapter.upsert(body.client_id, {
        client_id: body.client_id,
        client_secret: body.client_secret,
        grant_types: ['client_credentials', 'refresh_token', 'authorization_code', TOKEN_EXCHANGE],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/callback'],
        token_endpoint_auth_method: body.auth_method ?? 'client_secret_basic',
      });
      ctx.body = { ok: true };
    } else if (ctx.method === 'POST' && ctx.path === '/test/refresh-token') {
      const client = await provider.Client.find(body.client_id);
      const grant = new provider.Grant({ accountId: body.account, clientId: client.clientId });
      grant.addOIDCScope('openid offline_access');
      grant.addResourceScope(resource, scopes);
      const grantId = await grant.save();
      const token = new provider.RefreshToken({
        accountId: body.account,
        client,
        grantId,
        gty: 'authorization_code',
        scope: `openid offline_access ${scopes}`,
        resource,
      });
      ctx.body = { refresh_token: await token.save() };
    } else if (ctx.path === '/test/stats') {
      ctx.body = stats;
    } else {
      ctx.status = 404;
    }
  });
  return provider;
}

function resourceServerInfo(indicator) {
  return {
    scope: scopes,
    audience: indicator,
    accessTokenTTL: ttl,
    accessTokenFormat: format,
    jwt: { sign: { alg: 'RS256', kid: signingKid } },
  };
}

// RFC 8693: the subject token must be a live JWT access token this server signed; the new
// token keeps its subject, names the exchanging client in `act`, and is for the resource the
// client asks for.
async function exchangeToken(provider, issuer, ctx) {
  const { params, client } = ctx.oidc;
  const { InvalidGrant, InvalidRequest, InvalidTarget } = errors;
  if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
    throw new InvalidRequest('subject_token_type must be urn:ietf:params:oauth:token-type:access_token');
  }
  if (params.requested_token_type && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
    throw new InvalidRequest('only access tokens are issued');
  }
  const parts = String(params.subject_token ?? '').split('.');
  if (parts.length !== 3) {
    throw new InvalidGrant('the subject token is not a JWT access token of this server');
  }
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  } catch {
    throw new InvalidGrant('the subject token is not a JWT access token of this server');
  }
  const key = keys.find((k) => k.kid === header.kid);
  const signed = key && header.alg === 'RS256' && verify(
    'RSA-SHA256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    createPublicKey({ key, format: 'jwk' }),
    Buffer.from(parts[2], 'base64url'),
  );
  if (!signed || claims.iss !== issuer) {
    throw new InvalidGrant('the subject token is not signed by this server');
  }
  if (!(claims.exp > Date.now() / 1000)) {
    throw new InvalidGrant('the subject token has expired');
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!audiences.some((a) => resources.includes(a))) {
    throw new InvalidGrant('the subject token is not for a resource of this server');
  }
  const granted = scopes.split(' ');
  if (params.scope && !params.scope.split(' ').every((s) => granted.includes(s))) {
    throw new errors.InvalidScope('only these scopes may be asked for: ' + scopes, params.scope);
  }
  const target = params.audience ?? (Array.isArray(params.resource) ? params.resource[0] : params.resource) ?? resource;
  if (!resources.includes(target)) {
    throw new InvalidTarget(`unknown audience ${target}`);
  }
  const token = new provider.AccessToken({
    accountId: claims.sub,
    client,
    gty: 'token_exchange',
    scope: params.scope ?? scopes,
  });
  token.resourceServer = new provider.ResourceServer(target, resourceServerInfo(target));
  ctx.body = {
    access_token: await token.save(),
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: token.expiration,
    scope: token.scope,
  };
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (chunk) => { text += chunk; });
    req.on('end', () => {
      try { resolve(JSON.parse(text || '{}')); } catch (e) { reject(e); }
    });
  });
}

// The port is chosen by the system; the issuer must name it, so listen first, then build.
import { createServer } from 'node:http';
const server = createServer();
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address();
  const provider = start(port);
  server.on('request', provider.callback());
  console.log(`listening http://127.0.0.1:${port}`);
});
