# The gem Logstash installs with `bin/logstash-plugin install`. scripts/build-gem.sh stages this
# folder with VERSION, LICENSE, the third-party notices, the docs and the ONE plugin jar under
# vendor/jar-dependencies, then runs `gem build` on it. The version comes from the project's VERSION
# file, nowhere else.

# The project's home. No public repository is named anywhere in the project yet, so this is a
# placeholder under the reserved .invalid domain (RFC 2606), the one packaging/deb/control's
# Maintainer address uses; every URL below is derived from it (spec/plugin-java/gem.spec.ts checks
# they agree). Replace it here once the repository is public.
MISP_ENRICH_HOME = 'https://misp-enrich.invalid/misp-enrich' unless defined?(MISP_ENRICH_HOME)

Gem::Specification.new do |s|
  s.name          = 'logstash-filter-misp_enrich'
  s.version       = File.read(File.expand_path('VERSION', __dir__)).strip
  s.licenses      = ['Apache-2.0']
  s.summary       = 'Enriches events with MISP threat intelligence from memcached, in batches'
  s.description   = 'This gem is a Logstash plugin required to be installed on top of the Logstash core pipeline ' \
                    'using $LS_HOME/bin/logstash-plugin install gemname. This gem is not a stand-alone program.'
  s.authors       = ['misp-enrich contributors']
  s.email         = 'maintainers@misp-enrich.invalid'
  s.homepage      = MISP_ENRICH_HOME
  s.platform      = 'java'
  s.require_paths = ['lib', 'vendor/jar-dependencies']
  s.files         = Dir['lib/**/*', 'vendor/jar-dependencies/**/*.jar', '*.gemspec', '*.md', 'LICENSE',
                        'NOTICE.txt', 'THIRD-PARTY.txt', 'licenses/**/*', 'VERSION', 'docs/**/*']

  # Special flags so Logstash sees a filter plugin written in Java.
  s.metadata = {
    'logstash_plugin'   => 'true',
    'logstash_group'    => 'filter',
    'java_plugin'       => 'true',
    'source_code_uri'   => MISP_ENRICH_HOME,
    'changelog_uri'     => "#{MISP_ENRICH_HOME}/blob/main/CHANGELOG.md",
    'documentation_uri' => "#{MISP_ENRICH_HOME}/blob/main/docs/index.asciidoc"
  }

  s.add_runtime_dependency 'logstash-core-plugin-api', '>= 1.60', '<= 2.99'
  # The jar's classes are built for Java 21: Logstash 9 bundles JDK 21 and needs it, Logstash 8
  # runs on JDK 17, where they cannot load. So `logstash-plugin install` refuses Logstash < 9
  # (lib/logstash/filters/misp_enrich.rb also checks the JVM when Logstash loads the plugin).
  s.add_runtime_dependency 'logstash-core', '>= 9.0.0'
  s.add_runtime_dependency 'jar-dependencies'
end
