#!/usr/bin/python3
# Runs a command inside the sandbox a systemd unit file describes, without systemd (the specs run
# where systemd is not PID 1): what could stop the agent from working under its unit, applied
# the way systemd applies it.
#
#   unit-sandbox.py UNIT_FILE -- COMMAND [ARGS...]      (as root; inside `unshare -m`)
#
# COMMAND gets this process's environment with PATH replaced by $UNIT_SANDBOX_PATH (empty when
# unset): the unit's service has no Node.js on its PATH either.
# - PrivateTmp=: a fresh /tmp, mounted noexec as hardened hosts mount it, so nothing the agent
#   needs may come from an executable /tmp;
# - ProtectProc=invisible and ProcSubset=pid: /proc mounted with hidepid=invisible,subset=pid;
# - User=, Group= (and the user's groups), NoNewPrivileges=;
# - SystemCallFilter= (each line in order: an allow list, then `~` deny lists taken out of it, the
#   groups expanded by `systemd-analyze syscall-filter`), ProtectClock= (@clock denied), with
#   SystemCallErrorNumber= as the answer to a refused call.
# The unit's other settings only narrow what the agent never touches (devices, kernel tunables,
# namespaces, ...). Needs python3-seccomp (Debian: python3-seccomp).
import errno
import grp
import os
import pwd
import subprocess
import sys

import seccomp


def settings(unit_text):
    out = {}
    for line in unit_text.splitlines():
        line = line.strip()
        if not line or line.startswith(('#', ';', '[')) or '=' not in line:
            continue
        key, value = line.split('=', 1)
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def expand(names):
    calls = set()
    for name in names:
        if not name.startswith('@'):
            calls.add(name)
            continue
        text = subprocess.run(['systemd-analyze', 'syscall-filter', name], capture_output=True, text=True, check=True).stdout
        for line in text.splitlines()[1:]:
            item = line.strip()
            if item and not item.startswith('#'):
                calls |= expand([item])
    return calls


def syscall_filter(conf):
    allowed = None
    for value in conf.get('SystemCallFilter', []):
        deny = value.startswith('~')
        names = expand(value.lstrip('~').split())
        if allowed is None:
            if deny:
                raise SystemExit('unit-sandbox: a deny-only SystemCallFilter is not emulated')
            allowed = names
        elif deny:
            allowed -= names
        else:
            allowed |= names
    if conf.get('ProtectClock', ['no'])[-1] in ('yes', 'true', '1', 'on') and allowed is not None:
        allowed -= expand(['@clock'])
    return allowed


def main():
    sep = sys.argv.index('--')
    unit, command = sys.argv[1], sys.argv[sep + 1:]
    conf = settings(open(unit).read())
    if conf.get('PrivateTmp', ['no'])[-1] in ('yes', 'true', '1', 'on'):
        subprocess.run(['mount', '-t', 'tmpfs', '-o', 'noexec,nosuid,nodev,mode=1777', 'tmpfs', '/tmp'], check=True)
    proc_opts = []
    if conf.get('ProtectProc', [''])[-1] == 'invisible':
        proc_opts.append('hidepid=invisible')
    if conf.get('ProcSubset', [''])[-1] == 'pid':
        proc_opts.append('subset=pid')
    if proc_opts:
        subprocess.run(['mount', '-t', 'proc', '-o', ','.join(proc_opts), 'proc', '/proc'], check=True)
    allowed = syscall_filter(conf)
    answer = getattr(errno, conf.get('SystemCallErrorNumber', ['EPERM'])[-1])

    user = pwd.getpwnam(conf['User'][-1])
    group = grp.getgrnam(conf.get('Group', [user.pw_name])[-1])
    os.initgroups(user.pw_name, group.gr_gid)
    os.setgid(group.gr_gid)
    os.setuid(user.pw_uid)
    if allowed is not None:
        # Loading a filter sets no_new_privs, as NoNewPrivileges= does.
        f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(answer))
        for name in sorted(allowed):
            try:
                f.add_rule(seccomp.ALLOW, name)
            except (RuntimeError, ValueError):
                pass  # a name this architecture does not have
        f.load()
    env = dict(os.environ)
    env['PATH'] = env.pop('UNIT_SANDBOX_PATH', '')
    os.execve(command[0], command, env)


main()
