// v1 (CloudCockpit) request and response shapes: each defined once, here. Names are limited to 255 characters.
import { type Static, Type } from 'typebox'
import { MAX_SCANNED_USERS } from '../../domain/users/list.ts'
import { PageNumber } from '../../http/input.ts'

// A name must hold something besides white space.
const Name = Type.String({ minLength: 1, maxLength: 255, pattern: '\\S' })
const Uuid = Type.String({ format: 'uuid' })

export const ErrorBody = Type.Object(
  {
    statusCode: Type.Integer(),
    type: Type.String(),
    description: Type.String(),
    correlationId: Type.String(),
    errors: Type.Array(
      Type.Object(
        { propertyName: Type.String(), description: Type.Array(Type.String()) },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'V1Error', additionalProperties: false, description: 'CloudCockpit error model.' },
)
export type ErrorBody = Static<typeof ErrorBody>

export const TenantHeaders = Type.Object({
  'x-tenant': Type.String({
    minLength: 1,
    maxLength: 253,
    description: 'The domain used to access the portal.',
  }),
  'x-correlation-id': Type.Optional(
    Type.String({ format: 'uuid', description: 'Correlates the audit events this request causes.' }),
  ),
})

export const UserCreate = Type.Object(
  {
    id: Type.Optional(Uuid),
    firstName: Name,
    lastName: Name,
    email: Type.String({ minLength: 1, maxLength: 255, format: 'email' }),
    role: Type.Optional(
      Type.Object(
        { name: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) },
        { additionalProperties: false, description: 'The role; { } gives the default role "user".' },
      ),
    ),
    groups: Type.Array(
      Type.Object(
        { id: Uuid, name: Type.Optional(Type.Union([Type.String({ maxLength: 255 }), Type.Null()])) },
        { additionalProperties: false },
      ),
      { maxItems: 100 },
    ),
  },
  { additionalProperties: false },
)
export type UserCreate = Static<typeof UserCreate>

export const ResellerParams = Type.Object({ resellerId: Uuid })

export const Group = Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false })

/** CloudCockpit's page size: 1–2000, default 25 (the customer users' cap is the same bound). */
export const MAX_PAGE_SIZE = 2000
const PageSize = Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 25 })

export const PageQuery = Type.Object(
  {
    pageNumber: Type.Optional(PageNumber({ default: 1 })),
    pageSize: Type.Optional(PageSize),
  },
  { additionalProperties: true },
)

export const paged = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object(
    {
      items: Type.Array(item),
      paginationParameters: Type.Object({ pageNumber: Type.Integer(), pageSize: Type.Integer() }),
      totalPages: Type.Integer(),
      totalCount: Type.Integer(),
      hasPreviousPage: Type.Boolean(),
      hasNextPage: Type.Boolean(),
      continuationToken: Type.String({
        description:
          'CloudCockpit’s envelope carries one; pages here are numbered (pageNumber), so it is always "".',
      }),
    },
    { additionalProperties: false },
  )

export const UserItem = Type.Object(
  {
    id: Type.String(),
    firstName: Type.String(),
    lastName: Type.String(),
    email: Type.String(),
    role: Type.Object({ name: Type.String() }, { additionalProperties: false }),
    groups: Type.Array(Group),
  },
  { additionalProperties: false },
)

/** A date or date-time as .NET clients send them: `2024-01-31`, `2024-01-31T10:00:00`, with or without a zone. */
export const DATE_PATTERN =
  '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,7})?)?(Z|[+-]\\d{2}(:?\\d{2})?)?)?$'

const ResellerIdQuery = Type.Optional(
  Type.String({ format: 'uuid', description: 'The reseller whose users to act on (csp tokens).' }),
)

export const UserListQuery = Type.Object(
  {
    ...PageQuery.properties,
    search: Type.Optional(
      Type.String({
        maxLength: 256,
        description: `Name or email contains this, caseless. Without three letters or digits in a row, refused (400) when the list's reseller (or, for the whole tenant, the tenant) has more than ${MAX_SCANNED_USERS.toLocaleString('en-US')} users.`,
      }),
    ),
    sortPropertyName: Type.Optional(
      Type.String({
        pattern: '^([Nn][Aa][Mm][Ee]|[Ee][Mm][Aa][Ii][Ll])$',
        description: 'Name (default) or Email.',
      }),
    ),
    ascending: Type.Optional(Type.Boolean({ default: true })),
    groups: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Group ids (repeated, or comma-separated): users in any of them.',
      }),
    ),
    resellerId: ResellerIdQuery,
  },
  // ASP.NET ignores query parameters it does not bind; so does v1.
  { additionalProperties: true },
)

export const CustomerParams = Type.Object({
  customerId: Type.String({ format: 'uuid', description: 'The customer (one of our organizations).' }),
})
export const CustomerQuery = Type.Object(
  {
    resellerId: Type.Optional(
      Type.String({
        format: 'uuid',
        description: "The customer's reseller: when given and not the customer's reseller, 404.",
      }),
    ),
  },
  { additionalProperties: true },
)

/** The most users GET /v1/customer/{customerId}/users answers: the v1 page size bound (see the route). */
export const MAX_CUSTOMER_USERS = MAX_PAGE_SIZE
export const CustomerUsers = Type.Array(UserItem, {
  maxItems: MAX_CUSTOMER_USERS,
  description: `The customer's users sorted by name (first and last name, as GET /v1/users sorts by Name), ties by id; the first ${MAX_CUSTOMER_USERS} of a larger customer.`,
})

export const EmailParams = Type.Object({ email: Type.String({ minLength: 1, maxLength: 255 }) })
export const ResellerQuery = Type.Object({ resellerId: ResellerIdQuery }, { additionalProperties: true })

export const AuditLogQuery = Type.Object(
  {
    PageNumber: Type.Optional(PageNumber({ default: 1 })),
    PageSize: Type.Optional(PageSize),
    StartDate: Type.Optional(
      Type.String({
        pattern: DATE_PATTERN,
        description: 'Default: one month ago. No zone means UTC.',
      }),
    ),
    EndDate: Type.Optional(
      Type.String({ pattern: DATE_PATTERN, description: 'Default: now. No zone means UTC.' }),
    ),
    Operations: Type.Optional(
      Type.Array(Type.String({ maxLength: 2000 }), {
        description:
          'Actions (e.g. reseller.user.created|reseller.user.updated), separated by | (or commas), or repeated.',
      }),
    ),
    Status: Type.Optional(
      Type.String({
        pattern: '^([Pp]rocessing|[Ss]ucce(e)?ded|[Ff]ailed)$',
        description:
          'Processing, Succeded (CloudCockpit’s spelling; Succeeded too) or Failed. Refused requests change nothing and write no event; Failed finds the failures that are recorded (failed client authentications, actions ending in .failed); an event is recorded once its change is done, so none is Processing.',
      }),
    ),
    Reseller: Type.Optional(
      Type.String({
        maxLength: 255,
        description: "A part of the reseller's name (caseless): the events of the resellers so named.",
      }),
    ),
    Customer: Type.Optional(
      Type.String({
        maxLength: 255,
        description:
          "A part of the customer's name (caseless): the events of the customers so named and of the users now in them.",
      }),
    ),
    resellerId: ResellerIdQuery,
  },
  { additionalProperties: true },
)

export const AuditLogItem = Type.Object(
  {
    id: Type.String(),
    date: Type.String({ format: 'date-time' }),
    operation: Type.String(),
    status: Type.String(),
    resourceType: Type.String(),
    resourceId: Type.String(),
    resellerId: Type.Union([Type.String(), Type.Null()]),
    actorType: Type.String(),
    actorId: Type.String(),
    correlationId: Type.String(),
    ipAddress: Type.Union([Type.String(), Type.Null()]),
    userAgent: Type.Union([Type.String(), Type.Null()]),
    changes: Type.Array(
      Type.Object(
        { propertyName: Type.String(), oldValue: Type.Unknown(), newValue: Type.Unknown() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
)
