# encoding: utf-8
# The Ruby face of the Java filter: Logstash finds `misp_enrich` here and runs the Java class
# named by javaClass (io.mispenrich.logstash.MispEnrich). The options are declared in Java
# (configSchema) and documented in docs/index.asciidoc.
require 'logstash/filters/base'
require 'logstash/namespace'
require 'logstash-filter-misp_enrich_jars'
require 'java'

class LogStash::Filters::MispEnrich < LogStash::Filters::Base
  config_name 'misp_enrich'

  def self.javaClass
    Java::IoMispenrichLogstash::MispEnrich.java_class
  end
end
