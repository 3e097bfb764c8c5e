# encoding: utf-8
# The Ruby face of the Java filter: Logstash finds `misp_enrich` here and runs the Java class
# named by javaClass (io.mispenrich.logstash.MispEnrich). The options are declared in Java
# (configSchema) and documented in docs/index.asciidoc.
require 'logstash/filters/base'
require 'logstash/namespace'
require 'java'

class LogStash::Filters::MispEnrich < LogStash::Filters::Base
  config_name 'misp_enrich'

  # The plugin's classes are built for Java 21 (the JDK Logstash 9 bundles).
  MINIMUM_JAVA = 21
  # The Java side reads Logstash's path.data from this system property (graaljs/ResourceCache).
  PATH_DATA_PROPERTY = 'misp_enrich.path.data'

  # Logstash asks for the Java class right after loading this file, under both
  # pipeline.plugin_classloaders settings (plugins/registry.rb, add_plugin). The Java version is
  # checked before the jar is touched: a class built for Java 21 cannot even be loaded by an older
  # JVM, which would only say UnsupportedClassVersionError.
  def self.javaClass
    ensure_java_version!
    hand_over_path_data
    require 'logstash-filter-misp_enrich_jars'
    Java::IoMispenrichLogstash::MispEnrich.java_class
  end

  # Raises LogStash::EnvironmentError, with the stable code MISP_ENRICH_JAVA_VERSION, on a JVM
  # older than MINIMUM_JAVA. spec is java.specification.version: "1.8" up to Java 8, "17", "21"...
  def self.ensure_java_version!(spec = java.lang.System.getProperty('java.specification.version'))
    major = java_major(spec)
    return if major && major >= MINIMUM_JAVA
    error = defined?(LogStash::EnvironmentError) ? LogStash::EnvironmentError : RuntimeError
    raise error, "MISP_ENRICH_JAVA_VERSION: the misp_enrich filter needs Java #{MINIMUM_JAVA} or newer, " \
                 "and this Logstash runs on Java #{spec.inspect}. Run it on Logstash 9.x with its bundled JDK " \
                 "(or set LS_JAVA_HOME to a JDK #{MINIMUM_JAVA} or newer), or remove misp_enrich from the pipeline."
  end

  def self.java_major(spec)
    parts = spec.to_s.split('.')
    return nil if parts.empty? || parts.any? { |p| p !~ /\A\d+\z/ }
    parts[0] == '1' ? parts[1].to_i : parts[0].to_i
  end

  # Tells the Java side where Logstash keeps its data, so GraalJS's native resources are unpacked
  # under path.data rather than in the Logstash user's home, which a stock install cannot write.
  # Never replaces a value already set (a -D in jvm.options, or another pipeline's).
  def self.hand_over_path_data
    return unless java.lang.System.getProperty(PATH_DATA_PROPERTY).nil?
    return unless defined?(LogStash::SETTINGS)
    path = LogStash::SETTINGS.get_value('path.data') rescue nil
    java.lang.System.setProperty(PATH_DATA_PROPERTY, path.to_s) unless path.nil? || path.to_s.empty?
  end
end
