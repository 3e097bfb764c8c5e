# encoding: utf-8
# The Ruby face of the Java filter: Logstash finds `misp_enrich` here and runs the Java class
# named by javaClass (io.mispenrich.logstash.MispEnrich). The options are declared in Java
# (configSchema) and documented in docs/index.asciidoc.
require 'logstash/filters/base'
require 'logstash/namespace'
require 'java'

class LogStash::Filters::MispEnrich < LogStash::Filters::Base
  config_name 'misp_enrich'

  # The Java side reads Logstash's path.data from this system property (graaljs/ResourceCache).
  PATH_DATA_PROPERTY = 'misp_enrich.path.data'

  # Logstash asks for the Java class right after loading this file, under both
  # pipeline.plugin_classloaders settings (plugins/registry.rb, add_plugin).
  def self.javaClass
    hand_over_path_data
    require 'logstash-filter-misp_enrich_jars'
    Java::IoMispenrichLogstash::MispEnrich.java_class
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
