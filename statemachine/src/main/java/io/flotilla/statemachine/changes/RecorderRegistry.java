package io.flotilla.statemachine.changes;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.h2.engine.SessionLocal;

/**
 * The recorders of the sessions whose writes are being captured. Static because H2 instantiates
 * the capture trigger class itself, by name; keyed by the engine session object (identity: H2's
 * sessions do not override equals), which is the same object however many JDBC connections wrap
 * it, including the nested connection H2 hands to triggers.
 */
final class RecorderRegistry {

    private static final ConcurrentMap<SessionLocal, ChangeRecorder> RECORDERS = new ConcurrentHashMap<>();

    private RecorderRegistry() {
    }

    static void register(SessionLocal session, ChangeRecorder recorder) {
        ChangeRecorder existing = RECORDERS.putIfAbsent(session, recorder);
        if (existing != null) {
            throw new IllegalStateException("session " + session.getId()
                    + " already has an open change recorder; close it before recording again");
        }
    }

    static ChangeRecorder lookup(SessionLocal session) {
        return RECORDERS.get(session);
    }

    static void unregister(SessionLocal session, ChangeRecorder recorder) {
        RECORDERS.remove(session, recorder);
    }

    /** How many recorders are open, in this JVM; for leak checks. */
    static int openRecorders() {
        return RECORDERS.size();
    }
}
