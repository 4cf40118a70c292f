package io.flotilla.sql.sim;

import io.flotilla.statemachine.range.RangeSession;

import java.sql.SQLException;

/**
 * Opens a transaction, takes a row lock on an account (a write that changes nothing), and abandons
 * it for a while: then rolls it back, or goes away without a word (its session closes). Others
 * meet its lock meanwhile; nothing of it may ever be applied.
 */
final class AbandonClient extends SimClient {

    AbandonClient(int id, StackSimulation sim) {
        super(id, sim);
    }

    @Override
    void operate() {
        RangeSession s = session();
        if (s == null) {
            later();
            return;
        }
        int account = scheduler.random.nextInt(BankClient.ACCOUNTS);
        try {
            s.run(c -> c.createStatement().executeUpdate("UPDATE ACCOUNTS SET BALANCE = BALANCE WHERE ID = " + account));
        } catch (SQLException e) {
            s.rollback();
            later();
            return;
        }
        boolean vanish = scheduler.random.nextBoolean();
        scheduler.after(scheduler.millis(20, 300), () -> {
            if (vanish) {
                dropSession();
            } else {
                s.rollback();
            }
            later();
        });
    }
}
