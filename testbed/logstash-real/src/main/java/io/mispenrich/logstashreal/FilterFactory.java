package io.mispenrich.logstashreal;

import java.lang.reflect.Constructor;
import java.util.Map;

import org.jruby.Ruby;
import org.jruby.RubyClass;
import org.jruby.RubyHash;
import org.jruby.runtime.ThreadContext;
import org.logstash.RubyUtil;
import org.logstash.common.EnvironmentVariableProvider;
import org.logstash.config.ir.CompiledPipeline;
import org.logstash.config.ir.compiler.AbstractFilterDelegatorExt;
import org.logstash.instrument.metrics.MetricExt;
import org.logstash.plugins.ConfigVariableExpander;
import org.logstash.plugins.PluginLookup;
import org.logstash.plugins.PluginValidator;
import org.logstash.plugins.factory.ExecutionContextFactoryExt;
import org.logstash.plugins.factory.PluginFactoryExt;
import org.logstash.plugins.factory.PluginMetricsFactoryExt;

/**
 * Builds a Java filter exactly as a Logstash pipeline does, with Logstash's own classes:
 * CompiledPipeline.expandConfigVariables and the RubyHash of its convertArgs, then
 * PluginFactoryExt.buildFilter, which (through FilterPluginCreator) makes the
 * ConfigurationImpl, the ContextImpl with its NamespacedMetricImpl under
 * [stats, pipelines, ID, plugins], calls the (id, Configuration, Context) constructor, runs
 * PluginUtil.validateConfig, and wraps the filter in a JavaFilterDelegatorExt whose
 * FilterMatchListener applies add_field, add_tag, remove_field and remove_tag.
 *
 * <p>Only two things stand in for the Ruby side of Logstash, which the compiled jar does not hold:
 * the plugin lookup (Logstash's PluginLookup asks the Ruby plugin registry; here the class comes
 * from {@link PluginJar}, checked with the same PluginValidator) and the metric collector
 * ({@link MetricCollector}). With no pipeline source, an {@code id} option is the plugin's id, and
 * without one it gets a UUID (Logstash derives one from the pipeline definition).
 */
final class FilterFactory {

    private FilterFactory() {
    }

    static AbstractFilterDelegatorExt build(String pluginName, Class<?> pluginClass, Map<String, Object> options, String pipelineId,
                                            MetricCollector collector) throws ReflectiveOperationException {
        Ruby ruby = RubyUtil.RUBY;
        ThreadContext context = ruby.getCurrentContext();
        if (!PluginValidator.validatePlugin(PluginLookup.PluginType.FILTER, pluginClass)) {
            throw new IllegalStateException("Java plugin '" + pluginName + "' is incompatible with the current Logstash plugin API");
        }
        PluginLookup.PluginClass resolved = new PluginLookup.PluginClass() {
            @Override
            public PluginLookup.PluginLanguage language() {
                return PluginLookup.PluginLanguage.JAVA;
            }

            @Override
            public Object klass() {
                return pluginClass;
            }
        };

        MetricExt metric = new MetricExt(ruby, RubyUtil.METRIC_CLASS);
        metric.initialize(context, collector);
        PluginMetricsFactoryExt metrics = new PluginMetricsFactoryExt(ruby, RubyUtil.PLUGIN_METRICS_FACTORY_CLASS)
                .initialize(context, ruby.newString(pipelineId), metric);
        // No DLQ writer: Logstash hands the plugin its NullDeadLetterQueueWriter then, as with the DLQ off.
        ExecutionContextFactoryExt executionContexts = new ExecutionContextFactoryExt(ruby, RubyUtil.EXECUTION_CONTEXT_FACTORY_CLASS)
                .initialize(context, context.nil, context.nil, context.nil);

        // The resolver constructor is package-private: Logstash's public one asks the Ruby registry.
        Constructor<PluginFactoryExt> ctor = PluginFactoryExt.class.getDeclaredConstructor(Ruby.class, RubyClass.class,
                PluginFactoryExt.PluginResolver.class);
        ctor.setAccessible(true);
        PluginFactoryExt factory = ctor.newInstance(ruby, RubyUtil.PLUGIN_FACTORY_CLASS,
                (PluginFactoryExt.PluginResolver) (type, name) -> resolved);
        factory.init(null, metrics, executionContexts, RubyUtil.FILTER_DELEGATOR_CLASS);

        ConfigVariableExpander cve = ConfigVariableExpander.withoutSecret(EnvironmentVariableProvider.defaultProvider());
        Map<String, Object> expanded = CompiledPipeline.expandConfigVariables(cve, options);
        RubyHash args = RubyHash.newHash(ruby);
        for (Map.Entry<String, Object> e : expanded.entrySet()) {
            args.put(e.getKey(), e.getValue());
        }
        return factory.buildFilter(ruby.newString(pluginName), args, null);
    }
}
