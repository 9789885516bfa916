#ifndef REDACTFARM_CLINUX_SHIM_H
#define REDACTFARM_CLINUX_SHIM_H
// Linux calls glibc declares only under _GNU_SOURCE, which Swift's Glibc module is built
// without. The prototypes are glibc's own.

// Flushes the whole file system holding fd: one wait for many files written (a group commit).
int syncfs(int fd);

#endif
