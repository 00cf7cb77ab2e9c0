// A real OpenID Connect provider for tests: `node server.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI`.
// Authorization code + PKCE (S256 required), refresh tokens with rotation, dev login/consent forms.
import Provider from "oidc-provider";

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  pkce: { required: () => true, methods: ["S256"] },
  scopes: ["openid", "email", "profile", "offline_access"],
  claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
  features: { devInteractions: { enabled: true } },
  rotateRefreshToken: true,
  issueRefreshToken: async () => true,
  // Keep consent simple: every requested scope is granted on the consent screen.
  loadExistingGrant: async (ctx) => {
    const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    return undefined;
  },
  findAccount: async (ctx, id) => ({
    accountId: id,
    async claims() {
      return { sub: id, email: `${id}@scholar-auth.test`, email_verified: true, name: `Student ${id}` };
    },
  }),
  ttl: { AccessToken: 600, IdToken: 600, RefreshToken: 86400, Grant: 86400, Session: 86400, Interaction: 600 },
};

const provider = new Provider(issuer, configuration);
provider.proxy = false;
provider.listen(Number(port), "127.0.0.1", () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
