# encoding: utf-8
# Puts the plugin's single jar on JRuby's class path (jar-dependencies' vendored layout).
require 'jar_dependencies'

version = File.read(File.expand_path('../VERSION', __dir__)).strip
require_jar('io.mispenrich', 'logstash-filter-misp_enrich', version)
