// A stand-in for the sessions of sign-in (auth/sessions.ts startSession, on another branch): a real access
// token of the app's TokenService naming the user, and a refresh token that is only a random string. The
// calls are kept, so that a test sees which user signed in and with what request facts.
import { randomBytes } from 'node:crypto'
import type { SignIn } from '../../src/auth/oidc.ts'
import type { SignInFacts } from '../../src/domain/users/identities.ts'
import type { User } from '../../src/domain/users/model.ts'
import type { AppDeps } from '../../src/services.ts'

export interface TestSignIns {
  calls: { user: User; facts: SignInFacts }[]
  signIn: (deps: AppDeps) => SignIn
}

export function testSignIns(): TestSignIns {
  const calls: TestSignIns['calls'] = []
  return {
    calls,
    signIn: (deps) => async (user, facts) => {
      calls.push({ user, facts })
      const { token, expiresIn } = await deps.tokens.issue({
        sub: user.id,
        tid: user.tenantId,
        role: 'reseller',
        rid: user.resellerId,
        scope: [],
      })
      return {
        accessToken: token,
        refreshToken: `test-refresh-${randomBytes(16).toString('hex')}`,
        expiresIn,
      }
    },
  }
}
