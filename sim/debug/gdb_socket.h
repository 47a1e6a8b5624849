/* The gdb stub's connection: a listening TCP or Unix stream socket and the one client
 * gdb opens on it (GDB manual, 20.3 "Remote Connection Commands": target remote
 * HOST:PORT or target remote PATH). Host I/O only: nothing here touches the machine. */
#ifndef RINGSIDE_DEBUG_GDB_SOCKET_H
#define RINGSIDE_DEBUG_GDB_SOCKET_H

#include <sys/types.h>

#include "common.h"

/* Listens at addr: "tcp:HOST:PORT", "tcp::PORT" (127.0.0.1: a debugger port is not
 * offered to the network unless a HOST says so) or "unix:PATH" (a stale socket file
 * there is replaced; *unix_path keeps the path to remove at the end, else ""). Returns
 * the socket, or -1 with err. */
int gdbsock_listen(const char *addr, char *unix_path, size_t cap, Err *err);
/* Waits up to ms milliseconds (interrupted by a signal: less) for fd to be readable
 * (a listening socket: a connection waits). 1 readable, 0 not yet, -1 with err. */
int gdbsock_wait(int fd, int ms, Err *err);
/* Takes the waiting connection: its socket, or -1 with err. */
int gdbsock_accept(int lfd, Err *err);
/* What has arrived, without waiting: > 0 bytes, 0 the peer closed, -1 nothing yet,
 * -2 an error (a reset peer). */
ssize_t gdbsock_read(int fd, void *buf, size_t cap);
/* Writes all of buf (waiting as needed); -1 when the peer is gone. Never SIGPIPE. */
int gdbsock_write(int fd, const void *buf, size_t len);
/* Closes fd (if >= 0) and removes unix_path (if not empty). */
void gdbsock_close(int fd, const char *unix_path);

#endif
