package io.mispenrich.runner;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

class RunnerExitTest {

    @Test
    void refusesAnOptionThatIsNoWholeNumberNamingIt() {
        assertDoesNotThrow(() -> RunnerExit.requireWholeNumber(Map.of("warm-from-event", "3500000"), "warm-from-event"));
        assertDoesNotThrow(() -> RunnerExit.requireWholeNumber(Map.of(), "warm-from-event"));
        for (String bad : new String[] {"-1", "1e6", "", "12x", "9999999999999999999"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> RunnerExit.requireWholeNumber(Map.of("warm-from-event", bad), "warm-from-event"));
            assertTrue(e.getMessage().startsWith("--warm-from-event must be a whole number"), e.getMessage());
        }
    }
}
