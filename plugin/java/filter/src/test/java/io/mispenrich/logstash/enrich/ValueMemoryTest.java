package io.mispenrich.logstash.enrich;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The value memory: bounded, keeps what comes back, valid for one meta value and plan. */
class ValueMemoryTest {

    private static ValueMemory.Generation generation(ValueMemory m, String meta, String plan) {
        ValueMemory.Generation g = m.generationFor(m.current(), meta, plan);
        assertNotNull(g);
        return g;
    }

    @Test
    void remembersTheKeysOfAValuePerDatatype() {
        ValueMemory m = new ValueMemory(100);
        ValueMemory.Generation g = generation(m, "meta-1", "plan-a");
        g.put(0, "10.0.0.1", new String[] {"k1", "k2"}, null);
        assertArrayEquals(new String[] {"k1", "k2"}, g.get(0, "10.0.0.1"));
        assertNull(g.get(1, "10.0.0.1"));
        assertTrue(g.isFor("meta-1"));
    }

    @Test
    void neverHoldsMuchMoreThanItsWeight() {
        ValueMemory m = new ValueMemory(1_000);
        ValueMemory.Generation g = generation(m, "meta", "plan");
        for (int i = 0; i < 100_000; i++) {
            g.put(0, "value-" + i, new String[] {"key-" + i}, null);
        }
        assertTrue(m.remembered() <= 1_000, "remembered " + m.remembered());
        assertNotNull(g.get(0, "value-99999"), "the newest values stay");
        assertNull(g.get(0, "value-0"), "the oldest are forgotten");
    }

    @Test
    void keepsAValueThatComesBackAcrossGenerations() {
        ValueMemory m = new ValueMemory(100);
        ValueMemory.Generation g = generation(m, "meta", "plan");
        g.put(0, "hot", new String[] {"hot-key"}, null);
        for (int i = 0; i < 1_000; i++) {
            g.put(0, "cold-" + i, new String[] {"c"}, null);
            assertNotNull(g.get(0, "hot"), "after " + i + " other values");
        }
    }

    @Test
    void countsLargeValuesByTheirSize() {
        ValueMemory m = new ValueMemory(20);
        ValueMemory.Generation g = generation(m, "meta", "plan");
        String big = "x".repeat(4_000);
        for (int i = 0; i < 10; i++) {
            g.put(0, big + i, new String[] {"k"}, null);
        }
        assertTrue(m.remembered() < 10, "a value of ~8 KiB weighs ~8: remembered " + m.remembered());
    }

    @Test
    void forgetsEverythingWhenThePlanChangesAndKeepsItWhenOnlyTheMetaValueDoes() {
        ValueMemory m = new ValueMemory(100);
        ValueMemory.Generation g = generation(m, "meta-1", "plan-a");
        g.put(0, "v", new String[] {"k"}, null);
        ValueMemory.Generation samePlan = generation(m, "meta-2", "plan-a");
        assertNotNull(samePlan.get(0, "v"));
        ValueMemory.Generation otherPlan = generation(m, "meta-3", "plan-b");
        assertNull(otherPlan.get(0, "v"));
        assertSame(otherPlan, m.current());
    }

    @Test
    void remembersNothingAtSizeZero() {
        ValueMemory m = new ValueMemory(0);
        ValueMemory.Generation g = generation(m, "meta", "plan");
        g.put(0, "v", new String[] {"k"}, null);
        assertNull(g.get(0, "v"));
    }
}
