// v3 (Cryptlex) request and response shapes: each defined once, here. Field limits follow Cryptlex's models.
import { type Static, type TSchema, Type } from 'typebox'

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])
const Text = (max = 256, min = 0) => Type.String({ minLength: min, maxLength: max })
const DateTime = Type.String({ format: 'date-time' })
/**
 * A response field Cryptlex's model has no place for: marked `x-extension` in our OpenAPI document, so a client
 * generated from Cryptlex's document can ignore it, and the conformance tests allow it and nothing else.
 */
export const Extension = <T extends TSchema>(schema: T, description: string): T =>
  ({
    ...schema,
    description: `Extension (not in Cryptlex's model): ${description}`,
    'x-extension': true,
  }) as T
/**
 * A request field we hold to a narrower rule than Cryptlex's model, for safety: the reason is in our document.
 * A rule no schema can say (an address that must not be internal) is written "Stricter than Cryptlex, checked on
 * use: …" instead.
 */
export const Stricter = <T extends TSchema>(schema: T, why: string): T =>
  ({ ...schema, description: `Stricter than Cryptlex: ${why}` }) as T
export const UserEmail = Stricter(
  Type.String({ minLength: 1, maxLength: 256, format: 'email' }),
  'at most 256 characters (Cryptlex sets no limit; no address past 254 can be delivered, RFC 5321).',
)
const Claim = Stricter(
  Type.String({ minLength: 1, maxLength: 256 }),
  'a claim GET /v3/roles/claims lists, so 1 to 256 characters.',
)
const Limit = Type.Integer({ minimum: -1, maximum: 2147483647, description: '-1 means unlimited.' })

export const ErrorBody = Type.Object(
  { message: Type.String(), code: Nullable(Type.String()) },
  { $id: 'V3Error', additionalProperties: false, description: 'Cryptlex error body.' },
)
export type ErrorBody = Static<typeof ErrorBody>

export const IdParams = Type.Object({ id: Type.String() })
export const ResellerParams = Type.Object({ resellerId: Type.String() })
export const ResellerItemParams = Type.Object({ resellerId: Type.String(), id: Type.String() })

// Resellers
export const ResellerCreate = Type.Object(
  {
    name: Text(256, 1),
    email: Type.String({ minLength: 1, maxLength: 256, format: 'email' }),
    description: Type.Optional(Nullable(Text())),
    allowedUsers: Type.Optional(Limit),
    allowedOrganizations: Type.Optional(Limit),
  },
  { additionalProperties: false },
)
export const ResellerUpdate = Type.Object(
  {
    name: Type.Optional(Nullable(Text(256, 1))),
    email: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 256, format: 'email' }))),
    description: Type.Optional(Nullable(Text())),
    allowedUsers: Type.Optional(Nullable(Limit)),
    allowedOrganizations: Type.Optional(Nullable(Limit)),
  },
  { additionalProperties: false },
)
export const ResellerDto = Type.Object(
  {
    id: Type.String(),
    createdAt: DateTime,
    updatedAt: DateTime,
    name: Type.String(),
    email: Type.String(),
    description: Type.String({ description: 'Empty when none was given.' }),
    allowedUsers: Type.Integer(),
    allowedOrganizations: Type.Integer(),
  },
  { additionalProperties: false },
)

// Organizations
const AddressRequest = Type.Object(
  {
    addressLine1: Type.Optional(Nullable(Text())),
    addressLine2: Type.Optional(Nullable(Text())),
    city: Type.Optional(Nullable(Text())),
    state: Type.Optional(Nullable(Text())),
    country: Type.Optional(Nullable(Text())),
    postalCode: Type.Optional(Nullable(Text())),
  },
  { additionalProperties: false },
)
export const OrganizationCreate = Type.Object(
  {
    name: Text(256, 1),
    email: Type.String({ minLength: 1, maxLength: 256, format: 'email' }),
    description: Type.Optional(Nullable(Text())),
    allowedUsers: Type.Optional(Limit),
    address: Type.Optional(Nullable(AddressRequest)),
    resellerId: Type.Optional(Nullable(Text())),
  },
  { additionalProperties: false },
)
export const OrganizationUpdate = Type.Object(
  {
    name: Type.Optional(Nullable(Text(256, 1))),
    email: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 256, format: 'email' }))),
    description: Type.Optional(Nullable(Text())),
    allowedUsers: Type.Optional(Nullable(Limit)),
    address: Type.Optional(Nullable(AddressRequest)),
    resellerId: Type.Optional(Nullable(Text())),
  },
  { additionalProperties: false },
)
export const AddressDto = Type.Object(
  {
    addressLine1: Nullable(Type.String()),
    addressLine2: Nullable(Type.String()),
    city: Nullable(Type.String()),
    state: Nullable(Type.String()),
    country: Nullable(Type.String()),
    postalCode: Nullable(Type.String()),
  },
  { additionalProperties: false },
)
export const OrganizationDto = Type.Object(
  {
    id: Type.String(),
    createdAt: DateTime,
    updatedAt: DateTime,
    name: Type.String(),
    email: Type.String(),
    description: Type.String({ description: 'Empty when none was given.' }),
    allowedUsers: Type.Integer(),
    address: AddressDto,
  },
  { additionalProperties: false },
)

// Users: the seed operation. Limits exactly as the seed (names 1..256, password 8..256).
/** The one password rule: every request that sets a password takes it from here. */
export const Password = Type.String({ minLength: 8, maxLength: 256 })
export const UserCreate = Type.Object(
  {
    firstName: Text(256, 1),
    lastName: Type.Optional(Nullable(Text())),
    email: UserEmail,
    role: Text(256, 1),
    company: Type.Optional(Nullable(Text())),
    organizationId: Type.Optional(Nullable(Text())),
    allowCustomerPortalAccess: Type.Boolean(),
    password: Password,
  },
  { additionalProperties: false },
)
export type UserCreate = Static<typeof UserCreate>

export const UserDto = Type.Object(
  {
    id: Type.String(),
    createdAt: DateTime,
    updatedAt: DateTime,
    name: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    email: Type.String(),
    role: Type.String(),
    twoFactorEnabled: Type.Boolean(),
    googleSsoEnabled: Type.Boolean(),
    lastLoginAt: Nullable(DateTime),
    organizationId: Nullable(Type.String()),
    organization: Type.Optional({
      ...OrganizationDto,
      description: 'Left out when the user belongs to no organization.',
    }),
    company: Nullable(Type.String()),
  },
  { additionalProperties: false },
)
export type UserDto = Static<typeof UserDto>

// API clients (ours)
export const ClientCreate = Type.Object(
  {
    name: Text(256, 1),
    role: Type.Union([Type.Literal('csp'), Type.Literal('reseller')]),
    resellerId: Type.Optional(Nullable(Type.String())),
    scopes: Type.Array(Type.String(), { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
)
export const ClientDto = Type.Object(
  {
    id: Type.String(),
    clientId: Type.String(),
    name: Type.String(),
    role: Type.String(),
    resellerId: Nullable(Type.String()),
    scopes: Type.Array(Type.String()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { additionalProperties: false },
)
export const ClientCreatedDto = Type.Object(
  {
    ...ClientDto.properties,
    clientSecret: Type.String({ description: 'Shown only in this response; store it now.' }),
  },
  { additionalProperties: false },
)

// Event logs (audit)
export const ChangeDto = Type.Object(
  { propertyName: Type.String(), oldValue: Type.Unknown(), newValue: Type.Unknown() },
  { additionalProperties: false },
)
export const EventLogDto = Type.Object(
  {
    id: Type.String(),
    createdAt: DateTime,
    updatedAt: DateTime,
    resource: Type.String(),
    resourceId: Type.String(),
    action: Type.String(),
    resellerId: Extension(Nullable(Type.String()), 'the reseller the event belongs to, if any.'),
    actorType: Extension(Type.String(), 'who acted: client, user, system or anonymous.'),
    actorId: Type.String(),
    correlationId: Extension(Type.String(), 'the X-Correlation-Id of the request that made the change.'),
    changes: Type.Array(ChangeDto),
    ipAddress: Type.String({
      description: 'Empty when the event had no client address (the system acting).',
    }),
    userAgent: Extension(Nullable(Type.String()), 'the User-Agent of the request, if any.'),
  },
  { additionalProperties: false },
)

// Roles
export const RoleCreate = Type.Object(
  {
    name: Stricter(Text(256, 1), 'at most 256 characters, as on update (Cryptlex sets no limit on create).'),
    description: Type.Optional(Nullable(Text())),
    claims: Type.Array(Claim, { minItems: 1, maxItems: 256 }),
  },
  { additionalProperties: false },
)
export const RoleUpdate = Type.Object(
  {
    name: Type.Optional(Nullable(Text(256, 1))),
    description: Type.Optional(Nullable(Text())),
    claims: Type.Optional(Nullable(Type.Array(Claim, { minItems: 1, maxItems: 256 }))),
  },
  { additionalProperties: false },
)
export const RoleDto = Type.Object(
  {
    id: Type.String(),
    createdAt: DateTime,
    updatedAt: DateTime,
    name: Type.String(),
    description: Type.String({ description: 'Empty when none was given.' }),
    claims: Type.Array(Type.String()),
    isBuiltin: Extension(Type.Boolean(), 'built-in roles are read-only.'),
  },
  { additionalProperties: false },
)

// Users: update (create's fields but password, each optional) and password change.
export const UserUpdate = Type.Object(
  {
    firstName: Type.Optional(Nullable(Text(256, 1))),
    lastName: Type.Optional(Nullable(Text())),
    email: Type.Optional(Nullable(UserEmail)),
    role: Type.Optional(Nullable(Text(256, 1))),
    company: Type.Optional(Nullable(Text())),
    organizationId: Type.Optional(Nullable(Text())),
    allowCustomerPortalAccess: Type.Optional(Nullable(Type.Boolean())),
  },
  { additionalProperties: false },
)
export const PasswordChange = Type.Object({ password: Password }, { additionalProperties: false })

// Webhooks (Cryptlex's WebhookDto and request models, plus signatureScheme and resellerId)
const Scheme = Type.Union([Type.Literal('cryptlex'), Type.Literal('standard-webhooks')], {
  description:
    'cryptlex (default): base64 HMAC-SHA256 of the body; standard-webhooks: the Standard Webhooks scheme.',
})
// Cryptlex's bounds (events: 20 on create, 10 on update); each name must be one of GET /v3/webhooks/events.
const WebhookEvents = (maxItems: number) =>
  Type.Array(
    Stricter(Type.String({ minLength: 1, maxLength: 256 }), 'an event GET /v3/webhooks/events lists.'),
    {
      maxItems,
      description: 'Event names, as GET /v3/webhooks/events lists them.',
    },
  )
const WebhookUrl = Type.String({
  minLength: 1,
  maxLength: 256,
  format: 'uri',
  description:
    'Stricter than Cryptlex, checked on use: http(s) only, and neither the URL nor what its host resolves to may be an internal address (checked here and at every connection).',
})
const TOKEN_RULE =
  'The signing secret (HMAC-SHA256), 1 to 256 characters as Cryptlex allows; 32 or more random characters are advised. A standard-webhooks token must be whsec_ and base64 of 24 to 64 bytes.'
const WebhookToken = (description = TOKEN_RULE) => Type.String({ minLength: 1, maxLength: 256, description })
export const WebhookCreate = Type.Object(
  {
    name: Text(256, 1),
    url: WebhookUrl,
    token: Type.Optional(Nullable(WebhookToken(`${TOKEN_RULE} Generated when absent.`))),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    events: WebhookEvents(20),
    signatureScheme: Type.Optional(Scheme),
    resellerId: Type.Optional(
      Nullable(
        Type.String({
          description: 'Receive only this reseller’s events (a reseller token: always its own).',
        }),
      ),
    ),
  },
  { additionalProperties: false },
)
export const WebhookUpdate = Type.Object(
  {
    name: Type.Optional(Nullable(Text(256, 1))),
    url: Type.Optional(Nullable(WebhookUrl)),
    token: Type.Optional(Nullable(WebhookToken())),
    enabled: Type.Optional(
      Nullable(Type.Boolean({ description: 'true also re-enables a suspended endpoint.' })),
    ),
    events: Type.Optional(Nullable(WebhookEvents(10))),
    signatureScheme: Type.Optional(Nullable(Scheme)),
    resellerId: Type.Optional(Nullable(Type.String())),
  },
  { additionalProperties: false },
)
export const WebhookDto = Type.Object(
  {
    id: Type.String(),
    createdAt: DateTime,
    updatedAt: DateTime,
    name: Type.String(),
    url: Type.String(),
    token: Type.String({
      description:
        'The signing secret: in clear only in the response that generated it, masked everywhere else.',
    }),
    enabled: Type.Boolean(),
    status: Type.Union([Type.Literal('healthy'), Type.Literal('unhealthy'), Type.Literal('suspended')]),
    events: Type.Array(Type.String()),
    signatureScheme: Extension(Type.String(), 'how deliveries are signed: cryptlex or standard-webhooks.'),
    resellerId: Extension(Nullable(Type.String()), 'the reseller whose events alone it receives, if any.'),
  },
  { additionalProperties: false },
)
export const WebhookEventLogDto = Type.Object(
  {
    id: Type.String({ description: 'Also the Webhook-Id header of every attempt.' }),
    createdAt: DateTime,
    updatedAt: DateTime,
    webhookId: Type.String(),
    event: Type.String(),
    url: Type.String(),
    status: Type.Union([
      Type.Literal('pending'),
      Type.Literal('queued'),
      Type.Literal('succeeded'),
      Type.Literal('retrying'),
      Type.Literal('failed'),
      Type.Literal('cancelled'),
    ]),
    attempts: Type.Integer(),
    lastAttemptedAt: Nullable(DateTime),
    nextAttemptAt: Extension(Nullable(DateTime), 'when the next attempt is due, if one is.'),
    requestBody: Type.String(),
    responseBody: Type.String({ description: 'The first 4 KB; empty before any response.' }),
    responseStatusCode: Nullable(Type.Integer()),
    errorMessage: Type.String({ description: 'Empty when the attempt got a response.' }),
  },
  { additionalProperties: false },
)
