/**
 * The seed's session-based communication: a session manager keeps context
 * per user; events carry `session_id` and `user_id`, and the runner keeps
 * every event of a session (chained hops included) in that session, with
 * `sessionOrdering` keeping each session's events in order while sessions
 * run in parallel. `waitForSession` replaces sleeping.
 *
 * Run: npx tsx examples/session-manager/main.ts
 */
import { pathToFileURL } from 'node:url';
import { createRunner, newEvent, type EventData, type Event, type JsonObject, type Logger } from '../../src/index.js';

export interface SessionContext {
  sessionId: string;
  userId: string;
  startTime: number;
  lastActivity: number;
  context: JsonObject;
}

/** The seed's SessionManager. */
export class SessionManager {
  private readonly sessions = new Map<string, SessionContext>();
  getOrCreateSession(sessionId: string, userId: string): SessionContext {
    const found = this.sessions.get(sessionId);
    if (found) {
      found.lastActivity = Date.now();
      return found;
    }
    const s = { sessionId, userId, startTime: Date.now(), lastActivity: Date.now(), context: {} };
    this.sessions.set(sessionId, s);
    return s;
  }
  get(sessionId: string): SessionContext | undefined {
    return this.sessions.get(sessionId);
  }
}

/** The seed's createSessionAwareEvent (with a stable session id per user). */
export function createSessionAwareEvent(sm: SessionManager, agentId: string, data: EventData, userId: string): Event {
  const session = sm.getOrCreateSession(`session-${userId}`, userId);
  return newEvent(agentId, { ...data, session_context: session.context }, { session_id: session.sessionId, user_id: userId, route: agentId });
}

export async function runSessions(logger?: Logger) {
  const sm = new SessionManager();
  const runner = createRunner({ logger, concurrency: 4, sessionOrdering: true });
  runner.registerAgent('assistant', async (ctx, event, state) => {
    const session = sm.get(event.getSessionId())!;
    const turns = ((session.context.turns as string[] | undefined) ?? []).concat(String(event.getData().message));
    session.context = { ...session.context, turns };
    await new Promise((r) => setTimeout(r, 5));
    return state.clone().set('reply', `turn ${turns.length} for ${event.getMetadataValue('user_id')}`);
  });
  await runner.start();
  for (const msg of ['hi', 'tell me more', 'thanks']) {
    runner.emit(createSessionAwareEvent(sm, 'assistant', { message: msg }, 'alice'));
    runner.emit(createSessionAwareEvent(sm, 'assistant', { message: msg.toUpperCase() }, 'bob'));
  }
  await Promise.all([runner.waitForSession('session-alice'), runner.waitForSession('session-bob')]);
  await runner.stop();
  return { alice: sm.get('session-alice')!, bob: sm.get('session-bob')!, aliceTrace: runner.dumpTrace('session-alice') };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const r = await runSessions();
  console.log('alice turns:', r.alice.context.turns);
  console.log('bob turns:  ', r.bob.context.turns);
}
