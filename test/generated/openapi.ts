// Generated from openapi.json by npm run openapi (openapi-typescript): do not edit.

export interface paths {
    "/health/live": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is alive */
        get: operations["GetLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The database is reachable and migrated */
        get: operations["GetReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Public keys that verify access tokens */
        get: operations["GetJsonWebKeySet"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/oauth/token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Issue an access token (OAuth2 client credentials, or a signed-in user’s refresh token)
         * @description Form or JSON body. grant_type=client_credentials: authenticate with HTTP Basic or client_id/client_secret in the body. grant_type=refresh_token (RFC 6749 §6, no client authentication): a refresh token from POST /v3/accounts/login is used once and answered with a new access token and the next refresh token; a refresh token presented a second time ends its whole session (every token of that sign-in); a retired, unknown, expired or revoked one is invalid_grant. Errors follow RFC 6749 §5.2. After TOKEN_THROTTLE_MAX_FAILURES failed authentications (default 10) in TOKEN_THROTTLE_WINDOW_S (default 300 s) for one client id from one IP, or from one IP for any client, the endpoint answers 429 with Retry-After, for the right secret too, until the window has passed.
         */
        post: operations["CreateAccessToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/resellers": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List resellers
         * @description Requires the scope `reseller:read`.
         */
        get: operations["GetAllResellers"];
        put?: never;
        /**
         * Create a reseller
         * @description Requires the scope `reseller:write`.
         */
        post: operations["CreateReseller"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/resellers/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a reseller
         * @description Requires the scope `reseller:read`.
         */
        get: operations["GetReseller"];
        put?: never;
        post?: never;
        /**
         * Delete a reseller (refused while it has users or organizations)
         * @description Requires the scope `reseller:write`.
         */
        delete: operations["DeleteReseller"];
        options?: never;
        head?: never;
        /**
         * Update a reseller
         * @description Requires the scope `reseller:write`.
         */
        patch: operations["UpdateReseller"];
        trace?: never;
    };
    "/v3/resellers/{resellerId}/organizations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a reseller's organizations
         * @description Requires the scope `reseller:organization:read`.
         */
        get: operations["GetAllResellerOrganizations"];
        put?: never;
        /**
         * Create an organization of a reseller
         * @description Requires the scope `reseller:organization:create`.
         */
        post: operations["CreateResellerOrganization"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/resellers/{resellerId}/organizations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an organization
         * @description Requires the scope `reseller:organization:read`.
         */
        get: operations["GetResellerOrganization"];
        put?: never;
        post?: never;
        /**
         * Delete an organization (refused while it has users)
         * @description Requires the scope `reseller:organization:delete`.
         */
        delete: operations["DeleteResellerOrganization"];
        options?: never;
        head?: never;
        /**
         * Update an organization
         * @description Requires the scope `reseller:organization:update`.
         */
        patch: operations["UpdateResellerOrganization"];
        trace?: never;
    };
    "/v3/resellers/{resellerId}/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List a reseller's users
         * @description Filters: `field=value` or `field[op]=value` (text: eq, ne, sw, ew, cn, nc, in, nin; ids: eq, ne, in, nin; dates: eq, ne, gt, gte, lt, lte). `search` matches name and email. `sort`: fields separated by `|` or `,`, `-` for descending. Requires the scope `reseller:user:read`.
         */
        get: operations["GetAllResellerUsers"];
        put?: never;
        /**
         * Create a reseller user
         * @description Fires the webhook event reseller.user.created. Requires the scope `reseller:user:create`.
         */
        post: operations["CreateResellerUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/resellers/{resellerId}/users/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export a reseller's users as CSV
         * @description The list filters and `search` apply; rows come in creation order, or in the order `sort` names, streamed. `page` and `limit` (as in the list) export that page only; without them, every matching user. Cells that would start a spreadsheet formula are prefixed with a quote. Requires the scope `reseller:user:read`.
         */
        get: operations["ExportResellerUsers"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/resellers/{resellerId}/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a reseller user
         * @description Requires the scope `reseller:user:read`.
         */
        get: operations["GetResellerUser"];
        put?: never;
        post?: never;
        /**
         * Delete a reseller user
         * @description The user leaves every read in both dialects and its email becomes free; the record and its audit history stay. Fires reseller.user.deleted. Requires the scope `reseller:user:delete`.
         */
        delete: operations["DeleteResellerUser"];
        options?: never;
        head?: never;
        /**
         * Update a reseller user
         * @description Every field is optional; an absent or null field stays as it is, except lastName, company and organizationId, which null clears. Fires reseller.user.updated. Requires the scope `reseller:user:update`.
         */
        patch: operations["UpdateResellerUser"];
        trace?: never;
    };
    "/v3/resellers/{resellerId}/users/{id}/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Set a reseller user's password
         * @description Every session of the user ends (its refresh tokens at once, its access tokens within 30 s). Requires the scope `reseller:user:update`.
         */
        post: operations["SetResellerUserPassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/resellers/{resellerId}/users/{id}/unlock": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Lift a reseller user's sign-in lock
         * @description Ends the lock that LOGIN_MAX_FAILURES failed sign-ins put on the account, and forgets the failures. Records user.unlocked when there was anything to lift; a user who is not locked answers 204 too. Requires the scope `reseller:user:update`.
         */
        post: operations["UnlockResellerUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/resellers/{resellerId}/users/{id}/invitations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Invite a reseller user to set a password
         * @description Mails the user a link, good once for 7 days, to `/console/accept-invitation#token=…` under the service's PUBLIC_URL; a new invitation replaces the user's earlier ones. 202: the mail is sent in the background. Fires user.invitation.sent. Requires the scope `reseller:user:update`.
         */
        post: operations["InviteResellerUser"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/accounts/invitations/accept": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Accept an invitation: set the password
         * @description No token: the link's token is the proof. A link that is not valid answers 400 `LINK_INVALID`; one that has expired, or that a newer link replaced, `LINK_EXPIRED`; one already used, `LINK_USED`. Fires user.invitation.accepted.
         */
        post: operations["AcceptInvitation"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/accounts/password-reset": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ask for a password reset mail
         * @description Answers 202 whether or not the account exists, and as quickly. If it does, its user is mailed a link, good once for an hour, to `/console/reset-password#token=…` under the service's PUBLIC_URL (at most 5 an hour per user). Fires user.password.reset.requested.
         */
        post: operations["RequestPasswordReset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/accounts/password-reset/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Reset the password with a mailed link
         * @description No token: the link's token is the proof. A link that is not valid answers 400 `LINK_INVALID`; one that has expired, or that a newer link replaced, `LINK_EXPIRED`; one already used, `LINK_USED`. Fires user.password.reset.
         */
        post: operations["ConfirmPasswordReset"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/clients": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List API clients
         * @description Requires the scope `client:read`.
         */
        get: operations["GetAllClients"];
        put?: never;
        /**
         * Create an API client (its secret is shown only in this response)
         * @description Requires the scope `client:write`.
         */
        post: operations["CreateClient"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/clients/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Revoke an API client (its tokens stop working within 60 s)
         * @description Requires the scope `client:write`.
         */
        delete: operations["DeleteClient"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/event-logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first
         * @description Filters: `field=value` or `field[op]=value`; e.g. `correlationId`, `resourceId`, `action`. `userId`, `user.email` and `actorEmail` select the events users did (actor type user); `search` looks in the action, resource, resource id and correlation id, caseless. Requires the scope `eventLog:read`.
         */
        get: operations["GetAllEventLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/event-logs/resources": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The resources the audit log records events of
         * @description Cryptlex answers this to any valid token; here it needs eventLog:read, as every tenant operation names its scope (the one authorization table has no scope-less one). Requires the scope `eventLog:read`.
         */
        get: operations["GetResourcesEventLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/event-logs/export": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Export the audit log as CSV
         * @description The list's filters apply; rows come newest first, streamed, with EventLogDto's fields as columns (changes as JSON). Cells that would start a spreadsheet formula are prefixed with a quote. Filters: `field=value` or `field[op]=value`; e.g. `correlationId`, `resourceId`, `action`. `userId`, `user.email` and `actorEmail` select the events users did (actor type user); `search` looks in the action, resource, resource id and correlation id, caseless. Requires the scope `eventLog:read`.
         */
        get: operations["ExportEventLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/event-logs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get one event of the audit log
         * @description Requires the scope `eventLog:read`.
         */
        get: operations["GetEventLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/roles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List roles (the built-ins reseller-admin, organization-admin and user, and custom roles)
         * @description Requires the scope `role:read`.
         */
        get: operations["GetAllRoles"];
        put?: never;
        /**
         * Create a custom role
         * @description Fires the webhook event role.created. Requires the scope `role:write`.
         */
        post: operations["CreateRole"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/roles/claims": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the claims a role may hold, by resource
         * @description Every claim (permission) a role can be given, grouped by the resource it acts on. `roleType` is accepted for Cryptlex clients; the claims are the same for every role. Requires the scope `role:read`.
         */
        get: operations["GetClaimsRole"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/roles/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a role
         * @description Requires the scope `role:read`.
         */
        get: operations["GetRole"];
        put?: never;
        post?: never;
        /**
         * Delete a custom role (not a built-in one, nor one that users hold)
         * @description Fires the webhook event role.deleted. Requires the scope `role:write`.
         */
        delete: operations["DeleteRole"];
        options?: never;
        head?: never;
        /**
         * Update a custom role (a role in use keeps its name; built-ins are read-only)
         * @description Fires the webhook event role.updated. Requires the scope `role:write`.
         */
        patch: operations["UpdateRole"];
        trace?: never;
    };
    "/v3/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List webhook endpoints
         * @description Filters: `id`, `name`, `createdAt`, `updatedAt`, as `field=value` or `field[op]=value`; `search` matches the name or url; `sort`: fields separated by `|` or `,`, `-` for descending (oldest first unless given). Requires the scope `webhook:read`.
         */
        get: operations["GetAllWebhooks"];
        put?: never;
        /**
         * Register a webhook endpoint
         * @description The URL must be http(s) and must not reach an internal address. Without a token, one is generated and shown in clear in this response only. Requires the scope `webhook:write`.
         */
        post: operations["CreateWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/webhooks/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The events a webhook can subscribe to, by group
         * @description Every action the event log records is a webhook event of the same name, grouped by its resource (`reseller`, `reseller.user`, `role`, `webhook`, `client`, …) as Cryptlex groups them. Requires the scope `webhook:read`.
         */
        get: operations["GetEventTypesWebhook"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a webhook endpoint
         * @description Requires the scope `webhook:read`.
         */
        get: operations["GetWebhook"];
        put?: never;
        post?: never;
        /**
         * Delete a webhook endpoint (its undelivered events are cancelled)
         * @description Requires the scope `webhook:write`.
         */
        delete: operations["DeleteWebhook"];
        options?: never;
        head?: never;
        /**
         * Update a webhook endpoint
         * @description enabled: true also re-enables a suspended endpoint. A new signatureScheme without a token gets a generated secret, shown in clear in this response only. Requires the scope `webhook:write`.
         */
        patch: operations["UpdateWebhook"];
        trace?: never;
    };
    "/v3/webhooks/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a signed test event (webhook.test) to the endpoint
         * @description Requires the scope `webhook:write`.
         */
        post: operations["TestWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/webhook-event-logs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The delivery log, newest first
         * @description Filters: webhookId, status, event (and id, createdAt, updatedAt), as `field=value` or `field[op]=value`; `search` matches the event or url, caseless. Requires the scope `webhookEventLog:read`.
         */
        get: operations["GetAllWebhookEventLogs"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/webhook-event-logs/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get a delivery
         * @description Requires the scope `webhookEventLog:read`.
         */
        get: operations["GetWebhookEventLog"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/webhook-event-logs/{id}/resend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Send a delivery again (same Webhook-Id and body)
         * @description Answers 202 with no body, as Cryptlex does; `Location` names the delivery, whose state GET shows. Requires the scope `webhook:write`.
         */
        post: operations["ResendWebhookEventLog"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/accounts/login": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign a user in
         * @description Returns an access token whose scope follows the user’s role, and a refresh token. A wrong email or password answers 401 INVALID_CREDENTIALS alike. After LOGIN_MAX_FAILURES consecutive failures (default 10) the account is locked for LOGIN_LOCKOUT_SECONDS (default 900): 429 ACCOUNT_LOCKED with Retry-After, the right password too. After LOGIN_IP_MAX_FAILURES failures from one address in LOGIN_IP_WINDOW_S, that address gets 429 TOO_MANY_REQUESTS. A user without a password (created through v1) cannot sign in until it sets one. Takes no Idempotency-Key: the answer is a secret and is never stored.
         */
        post: operations["LoginAccount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/accounts/logout": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Sign out: end the session of a refresh token
         * @description Revokes the session the refresh token belongs to (every refresh token of that sign-in); its access tokens stop working within 30 s. An unknown or already revoked token also answers 204.
         */
        post: operations["LogoutAccount"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/me": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The signed-in user */
        get: operations["GetCurrentUser"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Change the signed-in user’s names
         * @description An absent or null firstName stays as it is; a null lastName clears it. Fires reseller.user.updated.
         */
        patch: operations["UpdateCurrentUser"];
        trace?: never;
    };
    "/v3/me/password": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change the signed-in user’s password
         * @description The current password must be right (403 INVALID_CREDENTIALS otherwise, counted as a failed sign-in toward the lock). Every other session of the user ends; this one goes on. Fires reseller.user.password.changed.
         */
        post: operations["ChangeCurrentUserPassword"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/accounts/oidc/start": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Start signing in with an OpenID Connect provider (redirects to it)
         * @description Answers 302 to the identity provider’s authorization endpoint (code flow, PKCE S256, state and nonce). The sign-in must come back to the callback within ten minutes, once.
         */
        get: operations["StartOidcSignIn"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/accounts/oidc/callback": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The identity provider’s redirect back: signs the user in (redirects to returnTo)
         * @description The redirect URI to register at the identity provider: PUBLIC_URL followed by `/v3/accounts/oidc/callback`. With a known state, answers 302 to the sign-in’s returnTo: `#access_token=…&refresh_token=…&expires_in=…&token_type=Bearer` on success, `#error=…&error_description=…` otherwise (`EMAIL_NOT_VERIFIED`, `NO_USER_FOR_EMAIL`, `IDENTITY_LINKED_ELSEWHERE`, `OIDC_ACCESS_DENIED`, `OIDC_ID_TOKEN_INVALID`, …). An unknown, used or expired state: 400 `OIDC_STATE_INVALID`.
         */
        get: operations["CompleteOidcSignIn"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/me/two-factor": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Start two-factor enrolment
         * @description A new TOTP secret for the signed-in user, pending until POST /v3/me/two-factor/confirm confirms it with a code (a pending one is replaced). 409 TWO_FACTOR_ALREADY_ENABLED while two-factor is on.
         */
        post: operations["BeginTwoFactor"];
        /**
         * Turn two-factor off
         * @description Proven with a code (TOTP or recovery code), so that an access token alone cannot turn it off. Forgets the secret and the recovery codes. 409 TWO_FACTOR_NOT_ENABLED when it is off.
         */
        delete: operations["DisableTwoFactor"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/me/two-factor/confirm": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Confirm two-factor enrolment
         * @description Turns two-factor on with a code of the pending secret and answers the ten recovery codes, once. From then on, POST /v3/accounts/login asks for a code. 400 INVALID_TWO_FACTOR_CODE for a wrong code; 409 TWO_FACTOR_NOT_STARTED with no enrolment pending.
         */
        post: operations["ConfirmTwoFactor"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v3/resellers/{resellerId}/users/{id}/two-factor": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Reset a reseller user's two-factor
         * @description For a user who lost the app and the recovery codes: two-factor is off, the secret and codes forgotten; the user signs in with the password and may enrol again. Answers 204 when it was already off. Requires the scope `reseller:user:update`.
         */
        delete: operations["ResetResellerUserTwoFactor"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/reseller/{resellerId}/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Create a Reseller User
         * @description Creates a new user under the reseller. Available to the roles: csp, reseller. A user created here has no password until they set one. Requires the scope `reseller:user:create`.
         */
        post: operations["CreateResellerUserV1"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List users
         * @description A reseller token sees its own users; a csp token sees every user of the tenant, or one reseller’s with resellerId. Available to the roles: csp, reseller. Requires the scope `reseller:user:read`.
         */
        get: operations["GetUsersV1"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/{email}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Delete a user
         * @description Soft delete: the user leaves every read and its email becomes free; its record and audit history stay. Available to the roles: csp, reseller. Requires the scope `reseller:user:delete`.
         */
        delete: operations["DeleteUserV1"];
        options?: never;
        head?: never;
        /**
         * Update a user
         * @description The body is the one of create: names, email, role ({ } keeps the role) and groups (replaced). The email in the path matches case-insensitively. Available to the roles: csp, reseller. Requires the scope `reseller:user:update`.
         */
        patch: operations["UpdateUserV1"];
        trace?: never;
    };
    "/v1/customer/{customerId}/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the users of a customer
         * @description A bare array, not paged, sorted by name (first and last name, as GET /v1/users sorts by Name). A customer may allow any number of users, so the array holds at most the first 2000 (the largest v1 page); GET /v1/users pages through any number. An unknown customer, one out of the token’s reach, or a resellerId that is not the customer’s reseller: 404. Available to the roles: csp, reseller. Requires the scope `reseller:user:read`.
         */
        get: operations["GetCustomerUsersV1"];
        put?: never;
        /**
         * Create a Customer User
         * @description Creates a user of the customer, in the customer's reseller: the body and the answer of Create a Reseller User, under both the reseller's and the customer's allowed users. An unknown customer, one out of the token’s reach, or a resellerId that is not the customer’s reseller: 404. Available to the roles: csp, reseller. Requires the scope `reseller:user:create`.
         */
        post: operations["CreateCustomerUserV1"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/users/groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The tenant's user groups
         * @description Requires the scope `reseller:user:read`.
         */
        get: operations["GetUserGroupsV1"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/AuditLogs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit log, newest first
         * @description Every change made through either dialect or the token endpoint. A reseller token sees its own events. Available to the roles: csp, reseller. Requires the scope `eventLog:read`.
         */
        get: operations["GetAuditLogsV1"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/platform/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List tenants */
        get: operations["GetAllTenants"];
        put?: never;
        /** Create a tenant and its first csp client (the client's secret is shown only here) */
        post: operations["CreateTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/platform/tenants/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Get a tenant */
        get: operations["GetTenant"];
        put?: never;
        post?: never;
        /** Disable a tenant: its clients and tokens stop working; its data is kept */
        delete: operations["DeleteTenant"];
        options?: never;
        head?: never;
        /** Rename a tenant, disable / re-enable it, or set its rate limit */
        patch: operations["UpdateTenant"];
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: {
        /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
        IdempotencyKey: string;
    };
    requestBodies: never;
    headers: {
        /** @description The request’s correlation id: the X-Correlation-Id it sent (a UUID), or a new one. Its log lines and audit events carry it. */
        "X-Correlation-Id": string;
        /** @description The window that counted this request (IETF draft-ietf-httpapi-ratelimit-headers): its name (`client` or `ip`), quota `q` and window `w` in seconds. Sent whenever a limit applies. */
        "RateLimit-Policy": string;
        /** @description What remains of that window: requests `r` and seconds `t` until it resets (IETF draft-ietf-httpapi-ratelimit-headers). */
        RateLimit: string;
        /** @description The period of the window, e.g. `10s` (as Cryptlex sends it). */
        "X-Rate-Limit-Limit": string;
        /** @description Requests left in the current window. */
        "X-Rate-Limit-Remaining": number;
        /** @description The UTC time the current window resets. */
        "X-Rate-Limit-Reset": string;
        /** @description Seconds to wait before sending the request again. */
        "Retry-After": number;
        /** @description How to authenticate: `Bearer realm="reseller-api"` on the APIs (a token from POST /oauth/token), `Basic realm="reseller-api"` at the token endpoint to a client that authenticated with HTTP Basic (one that sent its secret in the body gets no challenge, which a browser would answer with its own password prompt). */
        "WWW-Authenticate": string;
        /** @description Present on a response replayed for a repeated Idempotency-Key: the request did not run again; this is the first response. */
        "Idempotent-Replayed": "true";
        /** @description Total number of items matching the query. */
        "Pagination-Count": number;
        /** @description Same as Pagination-Count. */
        "X-Total-Count": number;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    GetLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                        details?: string;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                        details?: string;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                        details?: string;
                    };
                };
            };
        };
    };
    GetJsonWebKeySet: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        keys: {
                            [key: string]: unknown;
                        }[];
                    };
                };
            };
            /** @description Default Response */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: string;
                        error_description: string;
                    };
                };
            };
            /** @description Default Response */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: string;
                        error_description: string;
                    };
                };
            };
        };
    };
    CreateAccessToken: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description client_credentials or refresh_token. */
                    grant_type?: string;
                    /** @description grant_type=refresh_token: a refresh token from POST /v3/accounts/login. */
                    refresh_token?: string;
                    client_id?: string;
                    client_secret?: string;
                    /** @description Space-separated scopes, a subset of the client’s. */
                    scope?: string;
                } & {
                    [key: string]: unknown;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        access_token: string;
                        /** @enum {string} */
                        token_type: "Bearer";
                        expires_in: number;
                        scope: string;
                        /** @description grant_type=refresh_token only: the next refresh token (use it once). */
                        refresh_token?: string;
                    };
                };
            };
            /** @description Default Response */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: string;
                        error_description: string;
                    };
                };
            };
            /** @description Default Response */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: string;
                        error_description: string;
                    };
                };
            };
            /** @description Default Response */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: string;
                        error_description: string;
                    };
                };
            };
            /** @description Default Response */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: string;
                        error_description: string;
                    };
                };
            };
            /** @description Default Response */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: string;
                        error_description: string;
                    };
                };
            };
            /** @description Default Response */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        error: string;
                        error_description: string;
                    };
                };
            };
        };
    };
    GetAllResellers: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
                /** @description Field names separated by | or ,; a leading - sorts descending. */
                sort?: string;
                /** @description The name or email contains this, caseless. */
                search?: string;
                /** @description Same as id[eq]. */
                id?: string;
                "id[eq]"?: string;
                "id[ne]"?: string;
                "id[in]"?: string;
                "id[nin]"?: string;
                /** @description Same as name[eq]. */
                name?: string;
                "name[eq]"?: string;
                "name[ne]"?: string;
                "name[sw]"?: string;
                "name[ew]"?: string;
                "name[cn]"?: string;
                "name[nc]"?: string;
                "name[in]"?: string;
                "name[nin]"?: string;
                /** @description Same as email[eq]. */
                email?: string;
                "email[eq]"?: string;
                "email[ne]"?: string;
                "email[sw]"?: string;
                "email[ew]"?: string;
                "email[cn]"?: string;
                "email[nc]"?: string;
                "email[in]"?: string;
                "email[nin]"?: string;
                /** @description Same as createdAt[eq]. */
                createdAt?: string;
                "createdAt[eq]"?: string;
                "createdAt[ne]"?: string;
                "createdAt[gt]"?: string;
                "createdAt[gte]"?: string;
                "createdAt[lt]"?: string;
                "createdAt[lte]"?: string;
                /** @description Same as updatedAt[eq]. */
                updatedAt?: string;
                "updatedAt[eq]"?: string;
                "updatedAt[ne]"?: string;
                "updatedAt[gt]"?: string;
                "updatedAt[gte]"?: string;
                "updatedAt[lt]"?: string;
                "updatedAt[lte]"?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Pagination-Count": components["headers"]["Pagination-Count"];
                    "X-Total-Count": components["headers"]["X-Total-Count"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        email: string;
                        /** @description Empty when none was given. */
                        description: string;
                        allowedUsers: number;
                        allowedOrganizations: number;
                    }[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    CreateReseller: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** Format: email */
                    email: string;
                    description?: string | null;
                    /** @description -1 means unlimited. */
                    allowedUsers?: number;
                    /** @description -1 means unlimited. */
                    allowedOrganizations?: number;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        email: string;
                        /** @description Empty when none was given. */
                        description: string;
                        allowedUsers: number;
                        allowedOrganizations: number;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetReseller: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        email: string;
                        /** @description Empty when none was given. */
                        description: string;
                        allowedUsers: number;
                        allowedOrganizations: number;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    DeleteReseller: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    UpdateReseller: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string | null;
                    email?: string | null;
                    description?: string | null;
                    allowedUsers?: number | null;
                    allowedOrganizations?: number | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        email: string;
                        /** @description Empty when none was given. */
                        description: string;
                        allowedUsers: number;
                        allowedOrganizations: number;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetAllResellerOrganizations: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
                /** @description Field names separated by | or ,; a leading - sorts descending. */
                sort?: string;
                /** @description The name or email contains this, caseless. */
                search?: string;
                /** @description Same as id[eq]. */
                id?: string;
                "id[eq]"?: string;
                "id[ne]"?: string;
                "id[in]"?: string;
                "id[nin]"?: string;
                /** @description Same as name[eq]. */
                name?: string;
                "name[eq]"?: string;
                "name[ne]"?: string;
                "name[sw]"?: string;
                "name[ew]"?: string;
                "name[cn]"?: string;
                "name[nc]"?: string;
                "name[in]"?: string;
                "name[nin]"?: string;
                /** @description Same as email[eq]. */
                email?: string;
                "email[eq]"?: string;
                "email[ne]"?: string;
                "email[sw]"?: string;
                "email[ew]"?: string;
                "email[cn]"?: string;
                "email[nc]"?: string;
                "email[in]"?: string;
                "email[nin]"?: string;
                /** @description Same as createdAt[eq]. */
                createdAt?: string;
                "createdAt[eq]"?: string;
                "createdAt[ne]"?: string;
                "createdAt[gt]"?: string;
                "createdAt[gte]"?: string;
                "createdAt[lt]"?: string;
                "createdAt[lte]"?: string;
                /** @description Same as updatedAt[eq]. */
                updatedAt?: string;
                "updatedAt[eq]"?: string;
                "updatedAt[ne]"?: string;
                "updatedAt[gt]"?: string;
                "updatedAt[gte]"?: string;
                "updatedAt[lt]"?: string;
                "updatedAt[lte]"?: string;
                /** @description The organization's reseller. The path names one reseller already: its id keeps its organizations, another lists none. Same as resellerId[eq]. */
                resellerId?: string;
                /** @description The organization's reseller. The path names one reseller already: its id keeps its organizations, another lists none. */
                "resellerId[eq]"?: string;
                /** @description The organization's reseller. The path names one reseller already: its id keeps its organizations, another lists none. */
                "resellerId[ne]"?: string;
                /** @description The organization's reseller. The path names one reseller already: its id keeps its organizations, another lists none. */
                "resellerId[in]"?: string;
                /** @description The organization's reseller. The path names one reseller already: its id keeps its organizations, another lists none. */
                "resellerId[nin]"?: string;
            };
            header?: never;
            path: {
                resellerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Pagination-Count": components["headers"]["Pagination-Count"];
                    "X-Total-Count": components["headers"]["X-Total-Count"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        email: string;
                        /** @description Empty when none was given. */
                        description: string;
                        allowedUsers: number;
                        address: {
                            addressLine1: string | null;
                            addressLine2: string | null;
                            city: string | null;
                            state: string | null;
                            country: string | null;
                            postalCode: string | null;
                        };
                    }[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    CreateResellerOrganization: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                resellerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /** Format: email */
                    email: string;
                    description?: string | null;
                    /** @description -1 means unlimited. */
                    allowedUsers?: number;
                    address?: {
                        addressLine1?: string | null;
                        addressLine2?: string | null;
                        city?: string | null;
                        state?: string | null;
                        country?: string | null;
                        postalCode?: string | null;
                    } | null;
                    resellerId?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        email: string;
                        /** @description Empty when none was given. */
                        description: string;
                        allowedUsers: number;
                        address: {
                            addressLine1: string | null;
                            addressLine2: string | null;
                            city: string | null;
                            state: string | null;
                            country: string | null;
                            postalCode: string | null;
                        };
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetResellerOrganization: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        email: string;
                        /** @description Empty when none was given. */
                        description: string;
                        allowedUsers: number;
                        address: {
                            addressLine1: string | null;
                            addressLine2: string | null;
                            city: string | null;
                            state: string | null;
                            country: string | null;
                            postalCode: string | null;
                        };
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    DeleteResellerOrganization: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    UpdateResellerOrganization: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string | null;
                    email?: string | null;
                    description?: string | null;
                    allowedUsers?: number | null;
                    address?: {
                        addressLine1?: string | null;
                        addressLine2?: string | null;
                        city?: string | null;
                        state?: string | null;
                        country?: string | null;
                        postalCode?: string | null;
                    } | null;
                    resellerId?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        email: string;
                        /** @description Empty when none was given. */
                        description: string;
                        allowedUsers: number;
                        address: {
                            addressLine1: string | null;
                            addressLine2: string | null;
                            city: string | null;
                            state: string | null;
                            country: string | null;
                            postalCode: string | null;
                        };
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetAllResellerUsers: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
                /** @description Field names separated by | or ,; a leading - sorts descending. */
                sort?: string;
                /** @description The name or email contains this, caseless. Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                search?: string;
                /** @description Same as id[eq]. */
                id?: string;
                "id[eq]"?: string;
                "id[ne]"?: string;
                "id[in]"?: string;
                "id[nin]"?: string;
                /** @description Same as organizationId[eq]. */
                organizationId?: string;
                "organizationId[eq]"?: string;
                "organizationId[ne]"?: string;
                "organizationId[in]"?: string;
                "organizationId[nin]"?: string;
                /** @description Same as role[eq]. */
                role?: string;
                "role[eq]"?: string;
                "role[ne]"?: string;
                "role[sw]"?: string;
                "role[ew]"?: string;
                "role[cn]"?: string;
                "role[nc]"?: string;
                "role[in]"?: string;
                "role[nin]"?: string;
                /** @description Same as email[eq]. */
                email?: string;
                "email[eq]"?: string;
                "email[ne]"?: string;
                "email[sw]"?: string;
                "email[ew]"?: string;
                /** @description Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                "email[cn]"?: string;
                /** @description Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                "email[nc]"?: string;
                "email[in]"?: string;
                "email[nin]"?: string;
                /** @description Same as name[eq]. */
                name?: string;
                "name[eq]"?: string;
                "name[ne]"?: string;
                "name[sw]"?: string;
                "name[ew]"?: string;
                /** @description Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                "name[cn]"?: string;
                /** @description Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                "name[nc]"?: string;
                "name[in]"?: string;
                "name[nin]"?: string;
                /** @description Same as createdAt[eq]. */
                createdAt?: string;
                "createdAt[eq]"?: string;
                "createdAt[ne]"?: string;
                "createdAt[gt]"?: string;
                "createdAt[gte]"?: string;
                "createdAt[lt]"?: string;
                "createdAt[lte]"?: string;
                /** @description Same as updatedAt[eq]. */
                updatedAt?: string;
                "updatedAt[eq]"?: string;
                "updatedAt[ne]"?: string;
                "updatedAt[gt]"?: string;
                "updatedAt[gte]"?: string;
                "updatedAt[lt]"?: string;
                "updatedAt[lte]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. Same as lastSeenAt[eq]. */
                lastSeenAt?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[eq]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[ne]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[gt]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[gte]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[lt]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[lte]"?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. Same as productId[eq]. */
                productId?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. */
                "productId[eq]"?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. */
                "productId[ne]"?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. */
                "productId[in]"?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. */
                "productId[nin]"?: string;
            };
            header?: never;
            path: {
                resellerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Pagination-Count": components["headers"]["Pagination-Count"];
                    "X-Total-Count": components["headers"]["X-Total-Count"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        firstName: string;
                        lastName: string;
                        email: string;
                        role: string;
                        twoFactorEnabled: boolean;
                        googleSsoEnabled: boolean;
                        lastLoginAt: string | null;
                        organizationId: string | null;
                        /** @description Left out when the user belongs to no organization. */
                        organization?: {
                            id: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            name: string;
                            email: string;
                            /** @description Empty when none was given. */
                            description: string;
                            allowedUsers: number;
                            address: {
                                addressLine1: string | null;
                                addressLine2: string | null;
                                city: string | null;
                                state: string | null;
                                country: string | null;
                                postalCode: string | null;
                            };
                        };
                        company: string | null;
                    }[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    CreateResellerUser: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                resellerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    firstName: string;
                    lastName?: string | null;
                    /**
                     * Format: email
                     * @description Stricter than Cryptlex: at most 256 characters (Cryptlex sets no limit; no address past 254 can be delivered, RFC 5321).
                     */
                    email: string;
                    role: string;
                    company?: string | null;
                    organizationId?: string | null;
                    allowCustomerPortalAccess: boolean;
                    password: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        firstName: string;
                        lastName: string;
                        email: string;
                        role: string;
                        twoFactorEnabled: boolean;
                        googleSsoEnabled: boolean;
                        lastLoginAt: string | null;
                        organizationId: string | null;
                        /** @description Left out when the user belongs to no organization. */
                        organization?: {
                            id: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            name: string;
                            email: string;
                            /** @description Empty when none was given. */
                            description: string;
                            allowedUsers: number;
                            address: {
                                addressLine1: string | null;
                                addressLine2: string | null;
                                city: string | null;
                                state: string | null;
                                country: string | null;
                                postalCode: string | null;
                            };
                        };
                        company: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    ExportResellerUsers: {
        parameters: {
            query?: {
                /** @description Field names separated by | or ,; a leading - sorts descending. */
                sort?: string;
                /** @description The name or email contains this, caseless. Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                search?: string;
                /** @description Same as id[eq]. */
                id?: string;
                "id[eq]"?: string;
                "id[ne]"?: string;
                "id[in]"?: string;
                "id[nin]"?: string;
                /** @description Same as organizationId[eq]. */
                organizationId?: string;
                "organizationId[eq]"?: string;
                "organizationId[ne]"?: string;
                "organizationId[in]"?: string;
                "organizationId[nin]"?: string;
                /** @description Same as role[eq]. */
                role?: string;
                "role[eq]"?: string;
                "role[ne]"?: string;
                "role[sw]"?: string;
                "role[ew]"?: string;
                "role[cn]"?: string;
                "role[nc]"?: string;
                "role[in]"?: string;
                "role[nin]"?: string;
                /** @description Same as email[eq]. */
                email?: string;
                "email[eq]"?: string;
                "email[ne]"?: string;
                "email[sw]"?: string;
                "email[ew]"?: string;
                /** @description Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                "email[cn]"?: string;
                /** @description Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                "email[nc]"?: string;
                "email[in]"?: string;
                "email[nin]"?: string;
                /** @description Same as name[eq]. */
                name?: string;
                "name[eq]"?: string;
                "name[ne]"?: string;
                "name[sw]"?: string;
                "name[ew]"?: string;
                /** @description Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                "name[cn]"?: string;
                /** @description Without three letters or digits in a row, refused (400) on a reseller of more than 100,000 users. */
                "name[nc]"?: string;
                "name[in]"?: string;
                "name[nin]"?: string;
                /** @description Same as createdAt[eq]. */
                createdAt?: string;
                "createdAt[eq]"?: string;
                "createdAt[ne]"?: string;
                "createdAt[gt]"?: string;
                "createdAt[gte]"?: string;
                "createdAt[lt]"?: string;
                "createdAt[lte]"?: string;
                /** @description Same as updatedAt[eq]. */
                updatedAt?: string;
                "updatedAt[eq]"?: string;
                "updatedAt[ne]"?: string;
                "updatedAt[gt]"?: string;
                "updatedAt[gte]"?: string;
                "updatedAt[lt]"?: string;
                "updatedAt[lte]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. Same as lastSeenAt[eq]. */
                lastSeenAt?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[eq]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[ne]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[gt]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[gte]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[lt]"?: string;
                /** @description The user's last sign-in (lastLoginAt). A user who never signed in has none, and no operator (ne neither) matches it. */
                "lastSeenAt[lte]"?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. Same as productId[eq]. */
                productId?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. */
                "productId[eq]"?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. */
                "productId[ne]"?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. */
                "productId[in]"?: string;
                /** @description The users holding a license of this product. There are no products here, so no user holds one: eq and in list none, ne and nin every user. */
                "productId[nin]"?: string;
                /** @description With limit (10 unless given): export this page only. */
                page?: number;
                /** @description With page (1 unless given): export one page. */
                limit?: number;
            };
            header?: never;
            path: {
                resellerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CSV */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetResellerUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        firstName: string;
                        lastName: string;
                        email: string;
                        role: string;
                        twoFactorEnabled: boolean;
                        googleSsoEnabled: boolean;
                        lastLoginAt: string | null;
                        organizationId: string | null;
                        /** @description Left out when the user belongs to no organization. */
                        organization?: {
                            id: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            name: string;
                            email: string;
                            /** @description Empty when none was given. */
                            description: string;
                            allowedUsers: number;
                            address: {
                                addressLine1: string | null;
                                addressLine2: string | null;
                                city: string | null;
                                state: string | null;
                                country: string | null;
                                postalCode: string | null;
                            };
                        };
                        company: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    DeleteResellerUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    UpdateResellerUser: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    firstName?: string | null;
                    lastName?: string | null;
                    email?: string | null;
                    role?: string | null;
                    company?: string | null;
                    organizationId?: string | null;
                    allowCustomerPortalAccess?: boolean | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        firstName: string;
                        lastName: string;
                        email: string;
                        role: string;
                        twoFactorEnabled: boolean;
                        googleSsoEnabled: boolean;
                        lastLoginAt: string | null;
                        organizationId: string | null;
                        /** @description Left out when the user belongs to no organization. */
                        organization?: {
                            id: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            name: string;
                            email: string;
                            /** @description Empty when none was given. */
                            description: string;
                            allowedUsers: number;
                            address: {
                                addressLine1: string | null;
                                addressLine2: string | null;
                                city: string | null;
                                state: string | null;
                                country: string | null;
                                postalCode: string | null;
                            };
                        };
                        company: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    SetResellerUserPassword: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    password: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    UnlockResellerUser: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    InviteResellerUser: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Accepted: the mail is on its way. */
            202: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    AcceptInvitation: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The token of the mailed link: what follows `#token=`. */
                    token: string;
                    password: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    RequestPasswordReset: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The account: the domain of its tenant (what X-Tenant names in v1). */
                    accountAlias: string;
                    /**
                     * Format: email
                     * @description Stricter than Cryptlex: at most 256 characters (Cryptlex sets no limit; no address past 254 can be delivered, RFC 5321).
                     */
                    email: string;
                };
            };
        };
        responses: {
            /** @description Accepted. */
            202: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    ConfirmPasswordReset: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The token of the mailed link: what follows `#token=`. */
                    token: string;
                    password: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetAllClients: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Pagination-Count": components["headers"]["Pagination-Count"];
                    "X-Total-Count": components["headers"]["X-Total-Count"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        clientId: string;
                        name: string;
                        role: string;
                        resellerId: string | null;
                        scopes: string[];
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    }[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    CreateClient: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    role: "csp" | "reseller";
                    resellerId?: string | null;
                    scopes: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        clientId: string;
                        name: string;
                        role: string;
                        resellerId: string | null;
                        scopes: string[];
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        /** @description Shown only in this response; store it now. */
                        clientSecret: string;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    DeleteClient: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetAllEventLogs: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
                /** @description Field names separated by | or ,; a leading - sorts descending. */
                sort?: string;
                /** @description The action, resource, resource id or correlation id contains this, caseless. */
                search?: string;
                /** @description Same as id[eq]. */
                id?: string;
                "id[eq]"?: string;
                "id[ne]"?: string;
                "id[in]"?: string;
                "id[nin]"?: string;
                /** @description Same as correlationId[eq]. */
                correlationId?: string;
                "correlationId[eq]"?: string;
                "correlationId[ne]"?: string;
                "correlationId[sw]"?: string;
                "correlationId[ew]"?: string;
                "correlationId[cn]"?: string;
                "correlationId[nc]"?: string;
                "correlationId[in]"?: string;
                "correlationId[nin]"?: string;
                /** @description Same as resourceId[eq]. */
                resourceId?: string;
                "resourceId[eq]"?: string;
                "resourceId[ne]"?: string;
                "resourceId[sw]"?: string;
                "resourceId[ew]"?: string;
                "resourceId[cn]"?: string;
                "resourceId[nc]"?: string;
                "resourceId[in]"?: string;
                "resourceId[nin]"?: string;
                /** @description Same as resource[eq]. */
                resource?: string;
                "resource[eq]"?: string;
                "resource[ne]"?: string;
                "resource[sw]"?: string;
                "resource[ew]"?: string;
                "resource[cn]"?: string;
                "resource[nc]"?: string;
                "resource[in]"?: string;
                "resource[nin]"?: string;
                /** @description Same as action[eq]. */
                action?: string;
                "action[eq]"?: string;
                "action[ne]"?: string;
                "action[sw]"?: string;
                "action[ew]"?: string;
                "action[cn]"?: string;
                "action[nc]"?: string;
                "action[in]"?: string;
                "action[nin]"?: string;
                /** @description Same as resellerId[eq]. */
                resellerId?: string;
                "resellerId[eq]"?: string;
                "resellerId[ne]"?: string;
                "resellerId[in]"?: string;
                "resellerId[nin]"?: string;
                /** @description Same as actorId[eq]. */
                actorId?: string;
                "actorId[eq]"?: string;
                "actorId[ne]"?: string;
                "actorId[sw]"?: string;
                "actorId[ew]"?: string;
                "actorId[cn]"?: string;
                "actorId[nc]"?: string;
                "actorId[in]"?: string;
                "actorId[nin]"?: string;
                /** @description Same as actorType[eq]. */
                actorType?: string;
                "actorType[eq]"?: string;
                "actorType[ne]"?: string;
                "actorType[sw]"?: string;
                "actorType[ew]"?: string;
                "actorType[cn]"?: string;
                "actorType[nc]"?: string;
                "actorType[in]"?: string;
                "actorType[nin]"?: string;
                /** @description Same as createdAt[eq]. */
                createdAt?: string;
                "createdAt[eq]"?: string;
                "createdAt[ne]"?: string;
                "createdAt[gt]"?: string;
                "createdAt[gte]"?: string;
                "createdAt[lt]"?: string;
                "createdAt[lte]"?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. Same as userId[eq]. */
                userId?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. */
                "userId[eq]"?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. */
                "userId[ne]"?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. */
                "userId[in]"?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. */
                "userId[nin]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. Same as user.email[eq]. */
                "user.email"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[eq]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[ne]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[sw]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[ew]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[cn]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[nc]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[in]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[nin]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. Same as actorEmail[eq]. */
                actorEmail?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[eq]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[ne]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[sw]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[ew]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[cn]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[nc]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[in]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[nin]"?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Pagination-Count": components["headers"]["Pagination-Count"];
                    "X-Total-Count": components["headers"]["X-Total-Count"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        resource: string;
                        resourceId: string;
                        action: string;
                        /** @description Extension (not in Cryptlex's model): the reseller the event belongs to, if any. */
                        resellerId: string | null;
                        /** @description Extension (not in Cryptlex's model): who acted: client, user, system or anonymous. */
                        actorType: string;
                        actorId: string;
                        /** @description Extension (not in Cryptlex's model): the X-Correlation-Id of the request that made the change. */
                        correlationId: string;
                        changes: {
                            propertyName: string;
                            oldValue: unknown;
                            newValue: unknown;
                        }[];
                        /** @description Empty when the event had no client address (the system acting). */
                        ipAddress: string;
                        /** @description Extension (not in Cryptlex's model): the User-Agent of the request, if any. */
                        userAgent: string | null;
                    }[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetResourcesEventLog: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": string[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    ExportEventLogs: {
        parameters: {
            query?: {
                /** @description The action, resource, resource id or correlation id contains this, caseless. */
                search?: string;
                /** @description Same as id[eq]. */
                id?: string;
                "id[eq]"?: string;
                "id[ne]"?: string;
                "id[in]"?: string;
                "id[nin]"?: string;
                /** @description Same as correlationId[eq]. */
                correlationId?: string;
                "correlationId[eq]"?: string;
                "correlationId[ne]"?: string;
                "correlationId[sw]"?: string;
                "correlationId[ew]"?: string;
                "correlationId[cn]"?: string;
                "correlationId[nc]"?: string;
                "correlationId[in]"?: string;
                "correlationId[nin]"?: string;
                /** @description Same as resourceId[eq]. */
                resourceId?: string;
                "resourceId[eq]"?: string;
                "resourceId[ne]"?: string;
                "resourceId[sw]"?: string;
                "resourceId[ew]"?: string;
                "resourceId[cn]"?: string;
                "resourceId[nc]"?: string;
                "resourceId[in]"?: string;
                "resourceId[nin]"?: string;
                /** @description Same as resource[eq]. */
                resource?: string;
                "resource[eq]"?: string;
                "resource[ne]"?: string;
                "resource[sw]"?: string;
                "resource[ew]"?: string;
                "resource[cn]"?: string;
                "resource[nc]"?: string;
                "resource[in]"?: string;
                "resource[nin]"?: string;
                /** @description Same as action[eq]. */
                action?: string;
                "action[eq]"?: string;
                "action[ne]"?: string;
                "action[sw]"?: string;
                "action[ew]"?: string;
                "action[cn]"?: string;
                "action[nc]"?: string;
                "action[in]"?: string;
                "action[nin]"?: string;
                /** @description Same as resellerId[eq]. */
                resellerId?: string;
                "resellerId[eq]"?: string;
                "resellerId[ne]"?: string;
                "resellerId[in]"?: string;
                "resellerId[nin]"?: string;
                /** @description Same as actorId[eq]. */
                actorId?: string;
                "actorId[eq]"?: string;
                "actorId[ne]"?: string;
                "actorId[sw]"?: string;
                "actorId[ew]"?: string;
                "actorId[cn]"?: string;
                "actorId[nc]"?: string;
                "actorId[in]"?: string;
                "actorId[nin]"?: string;
                /** @description Same as actorType[eq]. */
                actorType?: string;
                "actorType[eq]"?: string;
                "actorType[ne]"?: string;
                "actorType[sw]"?: string;
                "actorType[ew]"?: string;
                "actorType[cn]"?: string;
                "actorType[nc]"?: string;
                "actorType[in]"?: string;
                "actorType[nin]"?: string;
                /** @description Same as createdAt[eq]. */
                createdAt?: string;
                "createdAt[eq]"?: string;
                "createdAt[ne]"?: string;
                "createdAt[gt]"?: string;
                "createdAt[gte]"?: string;
                "createdAt[lt]"?: string;
                "createdAt[lte]"?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. Same as userId[eq]. */
                userId?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. */
                "userId[eq]"?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. */
                "userId[ne]"?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. */
                "userId[in]"?: string;
                /** @description The events a user did (actor type user, actor id this). Events of other actors have no user. */
                "userId[nin]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. Same as user.email[eq]. */
                "user.email"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[eq]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[ne]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[sw]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[ew]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[cn]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[nc]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[in]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "user.email[nin]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. Same as actorEmail[eq]. */
                actorEmail?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[eq]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[ne]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[sw]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[ew]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[cn]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[nc]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[in]"?: string;
                /** @description The email of the user who did the event (actor type user). ne and nin keep the events of other actors, which have no user's email; the other operators match users' events only. */
                "actorEmail[nin]"?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description CSV */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "text/csv": string;
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetEventLog: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        resource: string;
                        resourceId: string;
                        action: string;
                        /** @description Extension (not in Cryptlex's model): the reseller the event belongs to, if any. */
                        resellerId: string | null;
                        /** @description Extension (not in Cryptlex's model): who acted: client, user, system or anonymous. */
                        actorType: string;
                        actorId: string;
                        /** @description Extension (not in Cryptlex's model): the X-Correlation-Id of the request that made the change. */
                        correlationId: string;
                        changes: {
                            propertyName: string;
                            oldValue: unknown;
                            newValue: unknown;
                        }[];
                        /** @description Empty when the event had no client address (the system acting). */
                        ipAddress: string;
                        /** @description Extension (not in Cryptlex's model): the User-Agent of the request, if any. */
                        userAgent: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetAllRoles: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
                /** @description Field names separated by | or ,; a leading - sorts descending. */
                sort?: string;
                /** @description The name contains this, caseless. */
                search?: string;
                /** @description Same as id[eq]. */
                id?: string;
                "id[eq]"?: string;
                "id[ne]"?: string;
                "id[in]"?: string;
                "id[nin]"?: string;
                /** @description Same as name[eq]. */
                name?: string;
                "name[eq]"?: string;
                "name[ne]"?: string;
                "name[sw]"?: string;
                "name[ew]"?: string;
                "name[cn]"?: string;
                "name[nc]"?: string;
                "name[in]"?: string;
                "name[nin]"?: string;
                /** @description Same as createdAt[eq]. */
                createdAt?: string;
                "createdAt[eq]"?: string;
                "createdAt[ne]"?: string;
                "createdAt[gt]"?: string;
                "createdAt[gte]"?: string;
                "createdAt[lt]"?: string;
                "createdAt[lte]"?: string;
                /** @description Same as updatedAt[eq]. */
                updatedAt?: string;
                "updatedAt[eq]"?: string;
                "updatedAt[ne]"?: string;
                "updatedAt[gt]"?: string;
                "updatedAt[gte]"?: string;
                "updatedAt[lt]"?: string;
                "updatedAt[lte]"?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Pagination-Count": components["headers"]["Pagination-Count"];
                    "X-Total-Count": components["headers"]["X-Total-Count"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        /** @description Empty when none was given. */
                        description: string;
                        claims: string[];
                        /** @description Extension (not in Cryptlex's model): built-in roles are read-only. */
                        isBuiltin: boolean;
                    }[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    CreateRole: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Stricter than Cryptlex: at most 256 characters, as on update (Cryptlex sets no limit on create). */
                    name: string;
                    description?: string | null;
                    claims: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        /** @description Empty when none was given. */
                        description: string;
                        claims: string[];
                        /** @description Extension (not in Cryptlex's model): built-in roles are read-only. */
                        isBuiltin: boolean;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetClaimsRole: {
        parameters: {
            query?: {
                roleType?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Claims by resource, e.g. {"reseller:user": ["reseller:user:read", …]}. */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string[];
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetRole: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        /** @description Empty when none was given. */
                        description: string;
                        claims: string[];
                        /** @description Extension (not in Cryptlex's model): built-in roles are read-only. */
                        isBuiltin: boolean;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    DeleteRole: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    UpdateRole: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string | null;
                    description?: string | null;
                    claims?: string[] | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        /** @description Empty when none was given. */
                        description: string;
                        claims: string[];
                        /** @description Extension (not in Cryptlex's model): built-in roles are read-only. */
                        isBuiltin: boolean;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetAllWebhooks: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
                /** @description Field names separated by | or ,; a leading - sorts descending. */
                sort?: string;
                /** @description The name or url contains this, caseless. */
                search?: string;
                /** @description Same as id[eq]. */
                id?: string;
                "id[eq]"?: string;
                "id[ne]"?: string;
                "id[in]"?: string;
                "id[nin]"?: string;
                /** @description Same as name[eq]. */
                name?: string;
                "name[eq]"?: string;
                "name[ne]"?: string;
                "name[sw]"?: string;
                "name[ew]"?: string;
                "name[cn]"?: string;
                "name[nc]"?: string;
                "name[in]"?: string;
                "name[nin]"?: string;
                /** @description Same as createdAt[eq]. */
                createdAt?: string;
                "createdAt[eq]"?: string;
                "createdAt[ne]"?: string;
                "createdAt[gt]"?: string;
                "createdAt[gte]"?: string;
                "createdAt[lt]"?: string;
                "createdAt[lte]"?: string;
                /** @description Same as updatedAt[eq]. */
                updatedAt?: string;
                "updatedAt[eq]"?: string;
                "updatedAt[ne]"?: string;
                "updatedAt[gt]"?: string;
                "updatedAt[gte]"?: string;
                "updatedAt[lt]"?: string;
                "updatedAt[lte]"?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Pagination-Count": components["headers"]["Pagination-Count"];
                    "X-Total-Count": components["headers"]["X-Total-Count"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        url: string;
                        /** @description The signing secret: in clear only in the response that generated it, masked everywhere else. */
                        token: string;
                        enabled: boolean;
                        status: "healthy" | "unhealthy" | "suspended";
                        events: string[];
                        /** @description Extension (not in Cryptlex's model): how deliveries are signed: cryptlex or standard-webhooks. */
                        signatureScheme: string;
                        /** @description Extension (not in Cryptlex's model): the reseller whose events alone it receives, if any. */
                        resellerId: string | null;
                    }[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    CreateWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name: string;
                    /**
                     * Format: uri
                     * @description Stricter than Cryptlex, checked on use: http(s) only, and neither the URL nor what its host resolves to may be an internal address (checked here and at every connection).
                     */
                    url: string;
                    token?: string | null;
                    /** @default true */
                    enabled?: boolean;
                    /** @description Event names, as GET /v3/webhooks/events lists them. */
                    events: string[];
                    /** @description cryptlex (default): base64 HMAC-SHA256 of the body; standard-webhooks: the Standard Webhooks scheme. */
                    signatureScheme?: "cryptlex" | "standard-webhooks";
                    resellerId?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        url: string;
                        /** @description The signing secret: in clear only in the response that generated it, masked everywhere else. */
                        token: string;
                        enabled: boolean;
                        status: "healthy" | "unhealthy" | "suspended";
                        events: string[];
                        /** @description Extension (not in Cryptlex's model): how deliveries are signed: cryptlex or standard-webhooks. */
                        signatureScheme: string;
                        /** @description Extension (not in Cryptlex's model): the reseller whose events alone it receives, if any. */
                        resellerId: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetEventTypesWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        [key: string]: string[];
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        url: string;
                        /** @description The signing secret: in clear only in the response that generated it, masked everywhere else. */
                        token: string;
                        enabled: boolean;
                        status: "healthy" | "unhealthy" | "suspended";
                        events: string[];
                        /** @description Extension (not in Cryptlex's model): how deliveries are signed: cryptlex or standard-webhooks. */
                        signatureScheme: string;
                        /** @description Extension (not in Cryptlex's model): the reseller whose events alone it receives, if any. */
                        resellerId: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    DeleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    UpdateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string | null;
                    url?: string | null;
                    token?: string | null;
                    enabled?: boolean | null;
                    events?: string[] | null;
                    signatureScheme?: ("cryptlex" | "standard-webhooks") | null;
                    resellerId?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        url: string;
                        /** @description The signing secret: in clear only in the response that generated it, masked everywhere else. */
                        token: string;
                        enabled: boolean;
                        status: "healthy" | "unhealthy" | "suspended";
                        events: string[];
                        /** @description Extension (not in Cryptlex's model): how deliveries are signed: cryptlex or standard-webhooks. */
                        signatureScheme: string;
                        /** @description Extension (not in Cryptlex's model): the reseller whose events alone it receives, if any. */
                        resellerId: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    TestWebhook: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Also the Webhook-Id header of every attempt. */
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        webhookId: string;
                        event: string;
                        url: string;
                        status: "pending" | "queued" | "succeeded" | "retrying" | "failed" | "cancelled";
                        attempts: number;
                        lastAttemptedAt: string | null;
                        /** @description Extension (not in Cryptlex's model): when the next attempt is due, if one is. */
                        nextAttemptAt: string | null;
                        requestBody: string;
                        /** @description The first 4 KB; empty before any response. */
                        responseBody: string;
                        responseStatusCode: number | null;
                        /** @description Empty when the attempt got a response. */
                        errorMessage: string;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetAllWebhookEventLogs: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
                /** @description Field names separated by | or ,; a leading - sorts descending. */
                sort?: string;
                /** @description The event or url contains this, caseless. */
                search?: string;
                /** @description Same as id[eq]. */
                id?: string;
                "id[eq]"?: string;
                "id[ne]"?: string;
                "id[in]"?: string;
                "id[nin]"?: string;
                /** @description Same as webhookId[eq]. */
                webhookId?: string;
                "webhookId[eq]"?: string;
                "webhookId[ne]"?: string;
                "webhookId[in]"?: string;
                "webhookId[nin]"?: string;
                /** @description Same as status[eq]. */
                status?: string;
                "status[eq]"?: string;
                "status[ne]"?: string;
                "status[sw]"?: string;
                "status[ew]"?: string;
                "status[cn]"?: string;
                "status[nc]"?: string;
                "status[in]"?: string;
                "status[nin]"?: string;
                /** @description Same as event[eq]. */
                event?: string;
                "event[eq]"?: string;
                "event[ne]"?: string;
                "event[sw]"?: string;
                "event[ew]"?: string;
                "event[cn]"?: string;
                "event[nc]"?: string;
                "event[in]"?: string;
                "event[nin]"?: string;
                /** @description Same as createdAt[eq]. */
                createdAt?: string;
                "createdAt[eq]"?: string;
                "createdAt[ne]"?: string;
                "createdAt[gt]"?: string;
                "createdAt[gte]"?: string;
                "createdAt[lt]"?: string;
                "createdAt[lte]"?: string;
                /** @description Same as updatedAt[eq]. */
                updatedAt?: string;
                "updatedAt[eq]"?: string;
                "updatedAt[ne]"?: string;
                "updatedAt[gt]"?: string;
                "updatedAt[gte]"?: string;
                "updatedAt[lt]"?: string;
                "updatedAt[lte]"?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Pagination-Count": components["headers"]["Pagination-Count"];
                    "X-Total-Count": components["headers"]["X-Total-Count"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Also the Webhook-Id header of every attempt. */
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        webhookId: string;
                        event: string;
                        url: string;
                        status: "pending" | "queued" | "succeeded" | "retrying" | "failed" | "cancelled";
                        attempts: number;
                        lastAttemptedAt: string | null;
                        /** @description Extension (not in Cryptlex's model): when the next attempt is due, if one is. */
                        nextAttemptAt: string | null;
                        requestBody: string;
                        /** @description The first 4 KB; empty before any response. */
                        responseBody: string;
                        responseStatusCode: number | null;
                        /** @description Empty when the attempt got a response. */
                        errorMessage: string;
                    }[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetWebhookEventLog: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Also the Webhook-Id header of every attempt. */
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        webhookId: string;
                        event: string;
                        url: string;
                        status: "pending" | "queued" | "succeeded" | "retrying" | "failed" | "cancelled";
                        attempts: number;
                        lastAttemptedAt: string | null;
                        /** @description Extension (not in Cryptlex's model): when the next attempt is due, if one is. */
                        nextAttemptAt: string | null;
                        requestBody: string;
                        /** @description The first 4 KB; empty before any response. */
                        responseBody: string;
                        responseStatusCode: number | null;
                        /** @description Empty when the attempt got a response. */
                        errorMessage: string;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    ResendWebhookEventLog: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Accepted: the delivery is due again. */
            202: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    /** @description The delivery: /v3/webhook-event-logs/{id}. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    LoginAccount: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description The tenant’s domain (`X-Tenant` in v1). */
                    accountAlias: string;
                    email: string;
                    password: string;
                    /** @description The second factor, for a user with two-factor on: the six digits of its authenticator app, or one of its recovery codes. Without it such a user gets 401 TWO_FACTOR_REQUIRED; a wrong, expired or replayed one 401 INVALID_TWO_FACTOR_CODE (counted as a failed sign-in). */
                    code?: string;
                    /**
                     * @description Extension (not in Cryptlex's model): the token’s audience: `customer-portal` needs allowCustomerPortalAccess (or an admin role).
                     * @default reseller-api
                     */
                    audience?: "reseller-api" | "customer-portal";
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description An ES256 JWT: its scope is the user’s role’s claims. */
                        accessToken: string;
                        /** @description Extension (not in Cryptlex's model): a one-time refresh token: POST /oauth/token with grant_type=refresh_token (RFC 6749 §6) returns a new pair. */
                        refreshToken: string;
                        /** @description Extension (not in Cryptlex's model): the access token’s lifetime in seconds (USER_TOKEN_TTL_SECONDS). */
                        expiresIn: number;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    LogoutAccount: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    refreshToken: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetCurrentUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        firstName: string;
                        lastName: string;
                        email: string;
                        role: string;
                        twoFactorEnabled: boolean;
                        googleSsoEnabled: boolean;
                        lastLoginAt: string | null;
                        organizationId: string | null;
                        /** @description Left out when the user belongs to no organization. */
                        organization?: {
                            id: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            name: string;
                            email: string;
                            /** @description Empty when none was given. */
                            description: string;
                            allowedUsers: number;
                            address: {
                                addressLine1: string | null;
                                addressLine2: string | null;
                                city: string | null;
                                state: string | null;
                                country: string | null;
                                postalCode: string | null;
                            };
                        };
                        company: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    UpdateCurrentUser: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    firstName?: string | null;
                    lastName?: string | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        name: string;
                        firstName: string;
                        lastName: string;
                        email: string;
                        role: string;
                        twoFactorEnabled: boolean;
                        googleSsoEnabled: boolean;
                        lastLoginAt: string | null;
                        organizationId: string | null;
                        /** @description Left out when the user belongs to no organization. */
                        organization?: {
                            id: string;
                            /** Format: date-time */
                            createdAt: string;
                            /** Format: date-time */
                            updatedAt: string;
                            name: string;
                            email: string;
                            /** @description Empty when none was given. */
                            description: string;
                            allowedUsers: number;
                            address: {
                                addressLine1: string | null;
                                addressLine2: string | null;
                                city: string | null;
                                state: string | null;
                                country: string | null;
                                postalCode: string | null;
                            };
                        };
                        company: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    ChangeCurrentUserPassword: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    currentPassword: string;
                    newPassword: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    StartOidcSignIn: {
        parameters: {
            query: {
                /** @description The tenant’s domain (what X-Tenant names in v1): the user signs in to this tenant. */
                accountAlias: string;
                /** @description Where the browser is sent back with the tokens (in the fragment): a URL on the allow-list, OIDC_RETURN_TO, or under PUBLIC_URL/console. */
                returnTo: string;
                /** @description The identity provider’s id (OIDC_PROVIDERS); may be left out when only one is configured. */
                provider?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description To the identity provider. */
            302: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    /** @description Where the browser goes next. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            503: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    CompleteOidcSignIn: {
        parameters: {
            query?: {
                /** @description The sign-in’s state, as the start sent it. */
                state?: string;
                /** @description The authorization code. */
                code?: string;
                /** @description The issuer (RFC 9207). */
                iss?: string;
                /** @description The issuer’s refusal. */
                error?: string;
                error_description?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Back to the sign-in’s returnTo. */
            302: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    /** @description Where the browser goes next. */
                    Location?: string;
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            503: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    BeginTwoFactor: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description The TOTP secret in base32, for an app that cannot read the QR code. Shown this once. */
                        secret: string;
                        /** @description The otpauth:// URI of the secret (RFC 6238: SHA-1, 6 digits, 30 s): the QR code’s content. */
                        otpauthUri: string;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    DisableTwoFactor: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description A code of the authenticator app (six digits), or, where a recovery code is taken, one of them (e.g. `abcd-efgh-jkmn-pqrs`). */
                    code: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    ConfirmTwoFactor: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description A code of the authenticator app (six digits), or, where a recovery code is taken, one of them (e.g. `abcd-efgh-jkmn-pqrs`). */
                    code: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Ten single-use codes that stand in for a TOTP code. Shown this once: only their hashes are kept. */
                        recoveryCodes: string[];
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    ResetResellerUserTwoFactor: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                resellerId: string;
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    CreateResellerUserV1: {
        parameters: {
            query?: never;
            header: {
                /** @description The domain used to access the portal. */
                "x-tenant": string;
                /** @description Correlates the audit events this request causes. */
                "x-correlation-id"?: string;
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                resellerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    id?: string;
                    firstName: string;
                    lastName: string;
                    /** Format: email */
                    email: string;
                    /** @description The role; { } gives the default role "user". */
                    role?: {
                        name?: string;
                    };
                    groups: {
                        /** Format: uuid */
                        id: string;
                        name?: string | null;
                    }[];
                };
            };
        };
        responses: {
            /** @description The id of the new user. */
            201: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": string;
                };
            };
            /** @description CloudCockpit error model. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
        };
    };
    GetUsersV1: {
        parameters: {
            query?: {
                pageNumber?: number;
                pageSize?: number;
                /** @description Name or email contains this, caseless. Without three letters or digits in a row, refused (400) when the list's reseller (or, for the whole tenant, the tenant) has more than 100,000 users. */
                search?: string;
                /** @description Name (default) or Email. */
                sortPropertyName?: string;
                ascending?: boolean;
                /** @description Group ids (repeated, or comma-separated): users in any of them. */
                groups?: string[];
                /** @description The reseller whose users to act on (csp tokens). */
                resellerId?: string;
            };
            header: {
                /** @description The domain used to access the portal. */
                "x-tenant": string;
                /** @description Correlates the audit events this request causes. */
                "x-correlation-id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: string;
                            firstName: string;
                            lastName: string;
                            email: string;
                            role: {
                                name: string;
                            };
                            groups: {
                                id: string;
                                name: string;
                            }[];
                        }[];
                        paginationParameters: {
                            pageNumber: number;
                            pageSize: number;
                        };
                        totalPages: number;
                        totalCount: number;
                        hasPreviousPage: boolean;
                        hasNextPage: boolean;
                        /** @description CloudCockpit’s envelope carries one; pages here are numbered (pageNumber), so it is always "". */
                        continuationToken: string;
                    };
                };
            };
            /** @description CloudCockpit error model. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
        };
    };
    DeleteUserV1: {
        parameters: {
            query?: {
                /** @description The reseller whose users to act on (csp tokens). */
                resellerId?: string;
            };
            header: {
                /** @description The domain used to access the portal. */
                "x-tenant": string;
                /** @description Correlates the audit events this request causes. */
                "x-correlation-id"?: string;
            };
            path: {
                email: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description CloudCockpit error model. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
        };
    };
    UpdateUserV1: {
        parameters: {
            query?: {
                /** @description The reseller whose users to act on (csp tokens). */
                resellerId?: string;
            };
            header: {
                /** @description The domain used to access the portal. */
                "x-tenant": string;
                /** @description Correlates the audit events this request causes. */
                "x-correlation-id"?: string;
            };
            path: {
                email: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    id?: string;
                    firstName: string;
                    lastName: string;
                    /** Format: email */
                    email: string;
                    /** @description The role; { } gives the default role "user". */
                    role?: {
                        name?: string;
                    };
                    groups: {
                        /** Format: uuid */
                        id: string;
                        name?: string | null;
                    }[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description CloudCockpit error model. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
        };
    };
    GetCustomerUsersV1: {
        parameters: {
            query?: {
                /** @description The customer's reseller: when given and not the customer's reseller, 404. */
                resellerId?: string;
            };
            header: {
                /** @description The domain used to access the portal. */
                "x-tenant": string;
                /** @description Correlates the audit events this request causes. */
                "x-correlation-id"?: string;
            };
            path: {
                /** @description The customer (one of our organizations). */
                customerId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The customer's users sorted by name (first and last name, as GET /v1/users sorts by Name), ties by id; the first 2000 of a larger customer. */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        firstName: string;
                        lastName: string;
                        email: string;
                        role: {
                            name: string;
                        };
                        groups: {
                            id: string;
                            name: string;
                        }[];
                    }[];
                };
            };
            /** @description CloudCockpit error model. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
        };
    };
    CreateCustomerUserV1: {
        parameters: {
            query?: {
                /** @description The customer's reseller: when given and not the customer's reseller, 404. */
                resellerId?: string;
            };
            header: {
                /** @description The domain used to access the portal. */
                "x-tenant": string;
                /** @description Correlates the audit events this request causes. */
                "x-correlation-id"?: string;
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path: {
                /** @description The customer (one of our organizations). */
                customerId: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: uuid */
                    id?: string;
                    firstName: string;
                    lastName: string;
                    /** Format: email */
                    email: string;
                    /** @description The role; { } gives the default role "user". */
                    role?: {
                        name?: string;
                    };
                    groups: {
                        /** Format: uuid */
                        id: string;
                        name?: string | null;
                    }[];
                };
            };
        };
        responses: {
            /** @description The id of the new user. */
            201: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": string;
                };
            };
            /** @description CloudCockpit error model. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
        };
    };
    GetUserGroupsV1: {
        parameters: {
            query?: {
                pageNumber?: number;
                pageSize?: number;
            };
            header: {
                /** @description The domain used to access the portal. */
                "x-tenant": string;
                /** @description Correlates the audit events this request causes. */
                "x-correlation-id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: string;
                            name: string;
                        }[];
                        paginationParameters: {
                            pageNumber: number;
                            pageSize: number;
                        };
                        totalPages: number;
                        totalCount: number;
                        hasPreviousPage: boolean;
                        hasNextPage: boolean;
                        /** @description CloudCockpit’s envelope carries one; pages here are numbered (pageNumber), so it is always "". */
                        continuationToken: string;
                    };
                };
            };
            /** @description CloudCockpit error model. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
        };
    };
    GetAuditLogsV1: {
        parameters: {
            query?: {
                PageNumber?: number;
                PageSize?: number;
                /** @description Default: one month ago. No zone means UTC. */
                StartDate?: string;
                /** @description Default: now. No zone means UTC. */
                EndDate?: string;
                /** @description Actions (e.g. reseller.user.created|reseller.user.updated), separated by | (or commas), or repeated. */
                Operations?: string[];
                /** @description Processing, Succeded (CloudCockpit’s spelling; Succeeded too) or Failed. Refused requests change nothing and write no event; Failed finds the failures that are recorded (failed client authentications, actions ending in .failed); an event is recorded once its change is done, so none is Processing. */
                Status?: string;
                /** @description A part of the reseller's name (caseless): the events of the resellers so named. */
                Reseller?: string;
                /** @description A part of the customer's name (caseless): the events of the customers so named and of the users now in them. */
                Customer?: string;
                /** @description The reseller whose users to act on (csp tokens). */
                resellerId?: string;
            };
            header: {
                /** @description The domain used to access the portal. */
                "x-tenant": string;
                /** @description Correlates the audit events this request causes. */
                "x-correlation-id"?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        items: {
                            id: string;
                            /** Format: date-time */
                            date: string;
                            operation: string;
                            status: string;
                            resourceType: string;
                            resourceId: string;
                            resellerId: string | null;
                            actorType: string;
                            actorId: string;
                            correlationId: string;
                            ipAddress: string | null;
                            userAgent: string | null;
                            changes: {
                                propertyName: string;
                                oldValue: unknown;
                                newValue: unknown;
                            }[];
                        }[];
                        paginationParameters: {
                            pageNumber: number;
                            pageSize: number;
                        };
                        totalPages: number;
                        totalCount: number;
                        hasPreviousPage: boolean;
                        hasNextPage: boolean;
                        /** @description CloudCockpit’s envelope carries one; pages here are numbered (pageNumber), so it is always "". */
                        continuationToken: string;
                    };
                };
            };
            /** @description CloudCockpit error model. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
            /** @description CloudCockpit error model. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        statusCode: number;
                        type: string;
                        description: string;
                        correlationId: string;
                        errors: {
                            propertyName: string;
                            description: string[];
                        }[];
                    };
                };
            };
        };
    };
    GetAllTenants: {
        parameters: {
            query?: {
                page?: number;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Pagination-Count": components["headers"]["Pagination-Count"];
                    "X-Total-Count": components["headers"]["X-Total-Count"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        domain: string;
                        name: string;
                        disabled: boolean;
                        /** @description The tenant's own rate limit per client; null: the service's (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_S). */
                        rateLimit: {
                            /** @description Requests per window for each client of the tenant; 0: no limit. */
                            max: number;
                            windowSeconds: number;
                        } | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    }[];
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    CreateTenant: {
        parameters: {
            query?: never;
            header?: {
                /** @description A unique key (1 to 255 characters, e.g. a UUID) that makes a retry of this POST safe: within 24 h, a repeat with the same body gets the first response again, with `Idempotent-Replayed: true`, and runs nothing; the key with another body answers 422; a repeat while the first runs waits for it, or answers 409. */
                "idempotency-key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Lower-case domain name, e.g. portal.example.com. */
                    domain: string;
                    name: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        domain: string;
                        name: string;
                        disabled: boolean;
                        /** @description The tenant's own rate limit per client; null: the service's (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_S). */
                        rateLimit: {
                            /** @description Requests per window for each client of the tenant; 0: no limit. */
                            max: number;
                            windowSeconds: number;
                        } | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        client: {
                            clientId: string;
                            /** @description Shown only in this response; store it now. */
                            clientSecret: string;
                            scopes: string[];
                        };
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Idempotent-Replayed": components["headers"]["Idempotent-Replayed"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    GetTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        domain: string;
                        name: string;
                        disabled: boolean;
                        /** @description The tenant's own rate limit per client; null: the service's (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_S). */
                        rateLimit: {
                            /** @description Requests per window for each client of the tenant; 0: no limit. */
                            max: number;
                            windowSeconds: number;
                        } | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    DeleteTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            204: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
    UpdateTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    name?: string;
                    /** @description false re-enables a disabled tenant. */
                    disabled?: boolean;
                    /** @description null: back to the service's default. */
                    rateLimit?: {
                        /** @description Requests per window for each client of the tenant; 0: no limit. */
                        max: number;
                        windowSeconds: number;
                    } | null;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        domain: string;
                        name: string;
                        disabled: boolean;
                        /** @description The tenant's own rate limit per client; null: the service's (RATE_LIMIT_MAX per RATE_LIMIT_WINDOW_S). */
                        rateLimit: {
                            /** @description Requests per window for each client of the tenant; 0: no limit. */
                            max: number;
                            windowSeconds: number;
                        } | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                    };
                };
            };
            /** @description Cryptlex error body. */
            400: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            401: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "WWW-Authenticate": components["headers"]["WWW-Authenticate"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            403: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            404: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            409: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            413: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            415: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            422: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            429: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    "Retry-After": components["headers"]["Retry-After"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
            /** @description Cryptlex error body. */
            500: {
                headers: {
                    "X-Correlation-Id": components["headers"]["X-Correlation-Id"];
                    "RateLimit-Policy": components["headers"]["RateLimit-Policy"];
                    RateLimit: components["headers"]["RateLimit"];
                    "X-Rate-Limit-Limit": components["headers"]["X-Rate-Limit-Limit"];
                    "X-Rate-Limit-Remaining": components["headers"]["X-Rate-Limit-Remaining"];
                    "X-Rate-Limit-Reset": components["headers"]["X-Rate-Limit-Reset"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        message: string;
                        code: string | null;
                    };
                };
            };
        };
    };
}
