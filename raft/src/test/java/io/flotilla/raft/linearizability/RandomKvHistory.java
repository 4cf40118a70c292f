package io.flotilla.raft.linearizability;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
  * Random histories that are linearizable by construction: simulated clients run against a real
  * sequential map, and each operation takes effect at one instant strictly inside its interval.
  * Some clients time out, either before or after their operation took effect, and carry on under a
  * fresh client id (as Jepsen does), since their abandoned operation stays open forever.
  *
  * <p>Every value written is unique, which is what makes the stale-read mutation provably wrong.
  */
final class RandomKvHistory {

    private RandomKvHistory() {}

    private static final class Client {
        int id;
        KvInput input;
        long invokedAt;
        KvOutput output;
        boolean busy;
        boolean applied;
    }

    static List<Operation<KvInput, KvOutput>> generate(long seed, int operations, int keys,
            int clients, double timeoutRate) {
        Random random = new Random(seed);
        Map<String, Long> store = new HashMap<>();
        List<Long> written = new ArrayList<>();
        List<Operation<KvInput, KvOutput>> history = new ArrayList<>(operations);
        Client[] pool = new Client[clients];
        for (int i = 0; i < clients; i++) {
            pool[i] = new Client();
            pool[i].id = i;
        }
        int nextClientId = clients;
        long nextValue = 1;
        long time = 0;
        int invoked = 0;
        int busy = 0;
        while (invoked < operations || busy > 0) {
            time += 1 + random.nextInt(3);
            Client c = pool[random.nextInt(clients)];
            if (!c.busy) {
                if (invoked == operations) {
                    continue;
                }
                String key = "k" + random.nextInt(keys);
                int kind = random.nextInt(100);
                if (kind < 40) {
                    c.input = KvInput.get(key);
                } else if (kind < 75) {
                    c.input = KvInput.put(key, nextValue++);
                } else {
                    Long current = store.get(key);
                    long expected = current != null && random.nextBoolean() ? current
                            : written.isEmpty() ? 0 : written.get(random.nextInt(written.size()));
                    c.input = KvInput.cas(key, expected, nextValue++);
                }
                c.invokedAt = time;
                c.busy = true;
                c.applied = false;
                invoked++;
                busy++;
            } else if (random.nextDouble() < timeoutRate / 2) {
                history.add(Operation.pending(c.id, c.input, c.invokedAt));
                c.busy = false;
                c.id = nextClientId++;
                busy--;
            } else if (!c.applied) {
                c.output = apply(store, written, c.input);
                c.applied = true;
            } else {
                history.add(new Operation<>(c.id, c.input, c.output, c.invokedAt, time));
                c.busy = false;
                busy--;
            }
        }
        return history;
    }

    private static KvOutput apply(Map<String, Long> store, List<Long> written, KvInput input) {
        if (input instanceof KvInput.Get get) {
            Long value = store.get(get.key());
            return value == null ? KvOutput.absent() : KvOutput.read(value);
        }
        if (input instanceof KvInput.Put put) {
            store.put(put.key(), put.value());
            written.add(put.value());
            return KvOutput.written();
        }
        KvInput.Cas cas = (KvInput.Cas) input;
        Long value = store.get(cas.key());
        boolean matches = value != null && value == cas.expected();
        if (matches) {
            store.put(cas.key(), cas.newValue());
            written.add(cas.newValue());
        }
        return KvOutput.swapped(matches);
    }

    /**
      * Makes one completed read return a value that was provably overwritten before it began: the
      * value of a completed put that returned before another completed put on the same key was
      * invoked, which itself returned before the read was invoked. Values are unique, so nothing
      * can have written the old value back.
      *
      * @return the mutated history and the index of the mutated read
      */
    static Mutation staleRead(List<Operation<KvInput, KvOutput>> history, long seed) {
        List<int[]> candidates = new ArrayList<>(); // {read index, old put index}
        for (int r = 0; r < history.size(); r++) {
            Operation<KvInput, KvOutput> read = history.get(r);
            if (!(read.input() instanceof KvInput.Get) || read.isPending()) {
                continue;
            }
            String key = read.input().key();
            Operation<KvInput, KvOutput> latest = null;
            for (Operation<KvInput, KvOutput> o : history) {
                if (isCompletedPut(o, key) && o.returnedAt() < read.invokedAt()
                        && (latest == null || o.invokedAt() > latest.invokedAt())) {
                    latest = o;
                }
            }
            for (int p = 0; latest != null && p < history.size(); p++) {
                if (isCompletedPut(history.get(p), key)
                        && history.get(p).returnedAt() < latest.invokedAt()) {
                    candidates.add(new int[] {r, p});
                    break;
                }
            }
        }
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("history has no read that can be made stale");
        }
        int[] chosen = candidates.get(new Random(seed).nextInt(candidates.size()));
        Operation<KvInput, KvOutput> read = history.get(chosen[0]);
        long stale = ((KvInput.Put) history.get(chosen[1]).input()).value();
        List<Operation<KvInput, KvOutput>> mutated = new ArrayList<>(history);
        mutated.set(chosen[0], new Operation<>(read.client(), read.input(), KvOutput.read(stale),
                read.invokedAt(), read.returnedAt()));
        return new Mutation(mutated, chosen[0]);
    }

    record Mutation(List<Operation<KvInput, KvOutput>> history, int mutatedIndex) {}

    private static boolean isCompletedPut(Operation<KvInput, KvOutput> o, String key) {
        return o.input() instanceof KvInput.Put && o.input().key().equals(key) && !o.isPending();
    }
}
