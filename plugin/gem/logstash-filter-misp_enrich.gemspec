# The gem Logstash installs with `bin/logstash-plugin install`. scripts/build-gem.sh stages this
# folder with VERSION, LICENSE, the docs and the ONE plugin jar under vendor/jar-dependencies, then
# runs `gem build` on it. The version comes from the project's VERSION file, nowhere else.
Gem::Specification.new do |s|
  s.name          = 'logstash-filter-misp_enrich'
  s.version       = File.read(File.expand_path('VERSION', __dir__)).strip
  s.licenses      = ['Apache-2.0']
  s.summary       = 'Enriches events with MISP threat intelligence from memcached, in batches'
  s.description   = 'This gem is a Logstash plugin required to be installed on top of the Logstash core pipeline ' \
                    'using $LS_HOME/bin/logstash-plugin install gemname. This gem is not a stand-alone program.'
  s.authors       = ['misp-enrich contributors']
  s.platform      = 'java'
  s.require_paths = ['lib', 'vendor/jar-dependencies']
  s.files         = Dir['lib/**/*', 'vendor/jar-dependencies/**/*.jar', '*.gemspec', '*.md', 'LICENSE',
                        'VERSION', 'docs/**/*']

  # Special flags so Logstash sees a filter plugin written in Java.
  s.metadata = {
    'logstash_plugin' => 'true',
    'logstash_group'  => 'filter',
    'java_plugin'     => 'true'
  }

  s.add_runtime_dependency 'logstash-core-plugin-api', '>= 1.60', '<= 2.99'
  s.add_runtime_dependency 'jar-dependencies'
end
