// Request and response shapes of signing in (Cryptlex's POST /v3/accounts/login) and of the signed-in user's own
// routes. Our additions to Cryptlex's shapes are marked Extension.
import { type Static, Type } from 'typebox'
import { AUDIENCE, CUSTOMER_PORTAL_AUDIENCE } from '../../auth/tokens.ts'
import { Extension, Nullable } from './schemas.ts'

// A secret of the caller's: bounded, so that no one hashes a megabyte (passwords are at most 256 on create).
const Password = (min: number) => Type.String({ minLength: min, maxLength: 256 })

export const LoginRequest = Type.Object(
  {
    accountAlias: Type.String({
      minLength: 1,
      maxLength: 253,
      description: 'The tenant’s domain (`X-Tenant` in v1).',
    }),
    email: Type.String({ minLength: 1, maxLength: 256 }),
    password: Password(1),
    code: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'The second factor, for a user with two-factor on: the six digits of its authenticator app, or one of its recovery codes. Without it such a user gets 401 TWO_FACTOR_REQUIRED; a wrong, expired or replayed one 401 INVALID_TWO_FACTOR_CODE (counted as a failed sign-in).',
      }),
    ),
    audience: Type.Optional(
      Extension(
        Type.Union([Type.Literal(AUDIENCE), Type.Literal(CUSTOMER_PORTAL_AUDIENCE)], { default: AUDIENCE }),
        'the token’s audience: `customer-portal` needs allowCustomerPortalAccess (or an admin role).',
      ),
    ),
  },
  { additionalProperties: false },
)
export type LoginRequest = Static<typeof LoginRequest>

export const LoginResponse = Type.Object(
  {
    accessToken: Type.String({ description: 'An ES256 JWT: its scope is the user’s role’s claims.' }),
    refreshToken: Extension(
      Type.String(),
      'a one-time refresh token: POST /oauth/token with grant_type=refresh_token (RFC 6749 §6) returns a new pair.',
    ),
    expiresIn: Extension(Type.Integer(), 'the access token’s lifetime in seconds (USER_TOKEN_TTL_SECONDS).'),
  },
  { additionalProperties: false },
)

export const LogoutRequest = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 512 }) },
  { additionalProperties: false },
)

export const MeUpdate = Type.Object(
  {
    firstName: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 256 }))),
    lastName: Type.Optional(Nullable(Type.String({ maxLength: 256 }))),
  },
  { additionalProperties: false },
)

export const MyPasswordChange = Type.Object(
  { currentPassword: Password(1), newPassword: Password(8) },
  { additionalProperties: false },
)
