package dev.fairway.gateway.conversations;

import dev.fairway.gateway.TestStore;

/** Every {@link ConversationToolsTest} on a shared PostgreSQL store (its V3 migration, a throwaway cluster). */
class ConversationToolsOnPostgresTest extends ConversationToolsTest {
    @Override
    TestStore newStore() {
        return TestStore.postgres();
    }
}
