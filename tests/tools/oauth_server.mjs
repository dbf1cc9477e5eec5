// A real OAuth 2.0 / OpenID Connect authorization server for the end-to-end tests:
// oidc-provider (panva, MIT) on loopback, issuing short-lived JWT access tokens.
//
//   node oauth_server.mjs            prints `listening http://127.0.0.1:PORT` when ready
//
// Environment: TOKEN_TTL (seconds an access token lives, default 3), RESOURCE (the resource
// indicator tokens are issued for, default http://api.test/), TOKEN_FORMAT (`jwt`, checked
// against the JWKS, or `opaque`, checked by introspection and revocable; default jwt),
// SIGNING_KEY_PEM (a PEM private key file to sign tokens with; default a fresh key).
//
// Clients are kept in the provider's adapter, not its static list, so a test can rotate a
// secret while the server runs. Test-only endpoints under /test/ (loopback only):
//   POST /test/clients   {client_id, client_secret}  registers or rotates a client
//   POST /test/refresh-token {client_id, account}    mints a refresh token for that client
//   GET  /test/stats                                  token responses so far, by grant type
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const ttl = Number(process.env.TOKEN_TTL ?? 3);
const resource = process.env.RESOURCE ?? 'http://api.test/';
const scopes = 'read write';
const format = process.env.TOKEN_FORMAT ?? 'jwt';

// SIGNING_KEY_PEM names a PEM private key file to sign with, so a test can mint tokens the
// server would have signed (expired, for another audience, ...); otherwise a fresh key.
const privateKey = process.env.SIGNING_KEY_PEM
  ? createPrivateKey(readFileSync(process.env.SIGNING_KEY_PEM))
  : generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', alg: 'RS256', use: 'sig' };

const stats = { client_credentials: 0, refresh_token: 0, failures: 0 };

function start(port) {
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    jwks: { keys: [signingKey] },
    scopes: ['openid', 'offline_access', 'read', 'write'],
    findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id }) }),
    rotateRefreshToken: true,
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
          if (indicator !== resource) {
            throw new Provider.errors.InvalidTarget(`unknown resource ${indicator}`);
          }
          return { scope: scopes, audience: indicator, accessTokenTTL: ttl, accessTokenFormat: format };
        },
      },
    },
  });
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
        grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
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
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const provider = start(port);
  server.on('request', provider.callback());
  console.log(`listening http://127.0.0.1:${port}`);
});
