package io.mispenrich.logstash.graaljs;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.EnumSet;
import java.util.Set;

/**
 * Where GraalJS's Truffle unpacks its native resources (the {@code truffleattach} library).
 *
 * <p>On HotSpot, Truffle takes the directory from the system property
 * {@value #PROPERTY}, else {@code $XDG_CACHE_HOME/org.graalvm.polyglot}, else
 * {@code ~/.cache/org.graalvm.polyglot} (from {@code user.home}), and it reads it once per JVM, when
 * the first polyglot Engine is built. A stock Logstash (.deb, .rpm) runs as the user
 * {@code logstash}, whose home {@code /usr/share/logstash} it cannot write: the unpack fails and
 * Truffle prints a nine-line warning on stderr at every start. So before the plugin's first Engine,
 * unless the admin set the property (or Truffle's {@code polyglot.engine.resourcePath}) or GraalJS
 * already started in this JVM, the plugin sets it to a directory of its own, private to the plugin
 * and its version:
 * <ol>
 * <li>{@code <path.data>/plugins/filters/misp_enrich/<version>} when the gem's Ruby file told it
 * Logstash's path.data (system property {@value #PATH_DATA_PROPERTY});</li>
 * <li>else {@code <java.io.tmpdir>/misp_enrich-<version>-<user>}, created owner-only, and refused
 * when it exists but is not an owner-only directory of this user (a shared temp directory is
 * writable by everyone, and this directory holds a native library the JVM loads).</li>
 * </ol>
 * The property is JVM-wide: another GraalJS user in the same Logstash shares the directory (Truffle
 * keeps versions apart under it).
 */
public final class ResourceCache {

    /** Truffle's own property for the resource cache directory. */
    public static final String PROPERTY = "polyglot.engine.userResourceCache";
    /** Truffle's property for pre-installed resources; set, it wins over any cache. */
    static final String RESOURCE_PATH_PROPERTY = "polyglot.engine.resourcePath";
    /** Logstash's path.data, as the gem's lib/logstash/filters/misp_enrich.rb hands it over. */
    public static final String PATH_DATA_PROPERTY = "misp_enrich.path.data";

    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(
            PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE);

    /** What was decided: the directory (null when none could be set up) and why, for the log. */
    public record Choice(Path dir, String how, boolean failed) {
    }

    private ResourceCache() {
    }

    /** Chooses, prepares and sets the resource cache if nobody did; call before the first Engine. */
    public static synchronized Choice prepare(String version) {
        String admin = System.getProperty(PROPERTY);
        if (admin != null) {
            return new Choice(Path.of(admin), "-D" + PROPERTY + ", as set", false);
        }
        if (System.getProperty(RESOURCE_PATH_PROPERTY) != null) {
            return new Choice(null, "-D" + RESOURCE_PATH_PROPERTY + " is set: Truffle's resources are pre-installed", false);
        }
        String v = version == null || version.isBlank() ? "unknown" : version.replaceAll("[^A-Za-z0-9._-]", "_");
        String pathData = System.getProperty(PATH_DATA_PROPERTY);
        Path dir;
        String how;
        try {
            if (pathData != null && !pathData.isBlank()) {
                dir = Path.of(pathData, "plugins", "filters", "misp_enrich", v).toAbsolutePath();
                how = "under Logstash's path.data";
                Files.createDirectories(dir.getParent());
            } else {
                String user = System.getProperty("user.name", "user").replaceAll("[^A-Za-z0-9._-]", "_");
                dir = Path.of(System.getProperty("java.io.tmpdir"), "misp_enrich-" + v + "-" + user).toAbsolutePath();
                how = "in the JVM's temp dir (path.data unknown)";
            }
            createPrivate(dir);
        } catch (IOException | RuntimeException e) {
            return new Choice(null, "no private directory for GraalJS's resources could be set up (" + e.getMessage()
                    + "); set -D" + PROPERTY + "=<a writable directory> in jvm.options", true);
        }
        System.setProperty(PROPERTY, dir.toString());
        return new Choice(dir, how, false);
    }

    /** Creates dir owner-only, or checks that the one there is an owner-only directory of this user. */
    private static void createPrivate(Path dir) throws IOException {
        boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (posix) {
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                } else {
                    Files.createDirectory(dir);
                }
                return;
            } catch (java.nio.file.FileAlreadyExistsException raced) {
                // another pipeline of this JVM, or another process, made it meanwhile: check it below
            }
        }
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(dir + " exists and is not a directory");
        }
        if (posix) {
            PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
            var attrs = view.readAttributes();
            UserPrincipal me = ownerOfNewFile(dir.getParent());
            if (!attrs.owner().equals(me)) {
                throw new IOException(dir + " belongs to " + attrs.owner().getName() + ", not to " + me.getName());
            }
            if (!OWNER_ONLY.containsAll(attrs.permissions())) {
                throw new IOException(dir + " is open to others (" + PosixFilePermissions.toString(attrs.permissions()) + ")");
            }
        }
    }

    /** Who owns what this process creates (user.name can be set to anything on the command line). */
    private static UserPrincipal ownerOfNewFile(Path where) throws IOException {
        Path probe = Files.createTempFile(where, ".misp_enrich-owner", ".tmp");
        try {
            return Files.getOwner(probe, LinkOption.NOFOLLOW_LINKS);
        } finally {
            Files.deleteIfExists(probe);
        }
    }
}
