package io.mispenrich.runner;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How a runner ends, the same for both: the run's own code (0 done), 3 when the plugin failed to
 * start (a bad option: what Logstash would refuse the pipeline for), 4 for an I/O or run failure;
 * the reason on stderr behind the runner's name; 2 for bad usage, before anything runs (which
 * options are bad usage is each runner's own).
 */
public final class RunnerExit {

    private RunnerExit() {
    }

    /** The plugin could not be loaded, constructed or validated. */
    public static final class StartupFailure extends Exception {
        private static final long serialVersionUID = 1L;

        public StartupFailure(String message) {
            super(message);
        }
    }

    /** A runner's work; returns its exit code. */
    public interface Run {
        int run() throws IOException, StartupFailure;
    }

    /**
     * The runner's options as its own parser reads them; when the parser refuses the command line
     * (IllegalArgumentException), says why on stderr behind the runner's name, then each usage line,
     * and exits the JVM with 2.
     */
    public static Map<String, String> parseArgsOrExit(String name, String[] argv, Function<String[], Map<String, String>> parser,
            List<String> usage) {
        try {
            return parser.apply(argv);
        } catch (IllegalArgumentException e) {
            System.err.println(name + ": " + e.getMessage());
            usage.forEach(System.err::println);
            System.exit(2);
            throw new IllegalStateException("unreachable: System.exit returned");
        }
    }

    /**
     * For a runner's parser: refuses an option given as anything but a whole number of 0 or more
     * (IllegalArgumentException naming it), before anything has started.
     */
    public static void requireWholeNumber(Map<String, String> args, String option) {
        String value = args.get(option);
        if (value != null && !value.matches("[0-9]{1,18}")) {
            throw new IllegalArgumentException("--" + option + " must be a whole number of 0 or more, got '" + value + "'");
        }
    }

    /** Runs, says why on stderr if it failed, and exits the JVM with the code. */
    public static void exit(String name, Run run, Function<Throwable, String> describe) {
        int code;
        try {
            code = run.run();
        } catch (StartupFailure e) {
            System.err.println(name + ": the plugin failed to start: " + e.getMessage());
            code = 3;
        } catch (IOException | RuntimeException e) {
            System.err.println(name + ": " + describe.apply(e));
            code = 4;
        }
        System.out.flush();
        System.exit(code);
    }
}
