package dev.fairway.gateway.conversations;

import dev.fairway.gateway.TestStore;

/** Every {@link ConversationsTest} on a shared PostgreSQL store (a throwaway cluster). */
class ConversationsOnPostgresTest extends ConversationsTest {
    @Override
    TestStore newStore() {
        return TestStore.postgres();
    }
}
