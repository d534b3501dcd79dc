// A real OpenID provider (panva/oidc-provider, OpenID Certified) on loopback for AurenLM's OIDC sign-in tests.
//
//   node provider.mjs --port 9400 --client-id aurenlm --client-secret s3cret \
//        --redirect-uri http://127.0.0.1:8080/auth/oidc/callback [--issuer http://localhost:9400] [--accounts f.json]
//
// Prints `OIDC_PROVIDER_READY <issuer>` once it listens on 127.0.0.1. Sign-in uses oidc-provider's development
// interactions: a form that takes any login (it becomes the subject) and any password, then a consent page.
// Accounts: `<login>@example.com` with a verified email, except logins starting with `unverified` (email_verified
// false). A JSON file given with --accounts ({"<login>": {"email": "...", "email_verified": true, "name": "..."}})
// overrides these and is read again at every sign-in, so a test can change someone's email between sign-ins.
// --issuer makes the provider claim another issuer than the address it listens on (a mismatched issuer).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    issuer: { type: 'string' },
    'client-id': { type: 'string', default: 'aurenlm' },
    'client-secret': { type: 'string', default: 'aurenlm-test-client-secret' },
    'redirect-uri': { type: 'string', multiple: true, default: [] },
    accounts: { type: 'string' },
  },
});

const port = Number(args.port);
const issuer = args.issuer || `http://127.0.0.1:${port}`;

function accountFor(login) {
  let overrides = {};
  if (args.accounts) {
    try {
      overrides = JSON.parse(readFileSync(args.accounts, 'utf8'));
    } catch {
      overrides = {};  // a file being rewritten by the test: the defaults hold for this one call
    }
  }
  const fallback = {
    email: `${login}@example.com`,
    email_verified: !login.startsWith('unverified'),
    name: login,
  };
  return { ...fallback, ...(overrides[login] || {}) };
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: args['client-id'],
      client_secret: args['client-secret'],
      redirect_uris: args['redirect-uri'],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // every authorization request must carry an S256 code challenge, confidential client or not
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  features: {
    devInteractions: { enabled: true },
  },
  // development-only cookie keys: this provider lives for one test run on loopback
  cookies: { keys: ['aurenlm-test-oidc-cookie-key'] },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        const account = accountFor(sub);
        return { sub, email: account.email, email_verified: account.email_verified, name: account.name };
      },
    };
  },
});

// oidc-provider's development interactions warn on stderr at start; keep the test log to what matters
provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error', err));

const server = provider.listen(port, '127.0.0.1', () => {
  console.log(`OIDC_PROVIDER_READY ${issuer}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
