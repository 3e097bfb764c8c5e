// Types for the one export of misp-enrich-run.js that TypeScript code (bench/) uses.
/** JAVA_HOME if it is a JDK >= 21, else the newest such JDK under /usr/lib/jvm; null if none. */
export function findJava(): { java: string; major: number } | null;
