package io.mispenrich.logstash.config;

import java.lang.reflect.Method;

/**
 * ecs_compatibility when the plugin's own option is unset: Logstash's pipeline.ecs_compatibility,
 * as Ruby plugins take it. Java plugins have no API for pipeline settings, so the Logstash-wide
 * value (logstash.yml, or --pipeline.ecs_compatibility) is read from the JRuby runtime Logstash
 * runs on, reflectively (no Logstash or JRuby type is named, so the plugin loads anywhere); a
 * per-pipeline value in pipelines.yml cannot be seen this way. Outside Logstash: v8, Logstash's
 * own default.
 */
public final class EcsCompatibility {

    public static final String LOGSTASH_DEFAULT = "v8";

    private EcsCompatibility() {
    }

    public static String pipelineDefault() {
        try {
            Class<?> rubyUtil = Class.forName("org.logstash.RubyUtil", false, EcsCompatibility.class.getClassLoader());
            Object ruby = rubyUtil.getField("RUBY").get(null);
            Method eval = ruby.getClass().getMethod("evalScriptlet", String.class);
            Object value = eval.invoke(ruby,
                    "defined?(LogStash::SETTINGS) ? LogStash::SETTINGS.get_value('pipeline.ecs_compatibility').to_s : ''");
            String v = String.valueOf(value);
            return v.isEmpty() ? LOGSTASH_DEFAULT : v;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return LOGSTASH_DEFAULT;
        }
    }
}
