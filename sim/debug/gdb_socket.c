/* Sockets for the gdb stub (see gdb_socket.h): POSIX sockets, poll(2) for waiting,
 * MSG_NOSIGNAL so a vanished gdb is an error code and not a signal. */
#include "debug/gdb_socket.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static int listen_tcp(const char *hostport, Err *err)
{
    const char *colon = strrchr(hostport, ':');
    if (!colon || !colon[1])
        return err_set(err, "expected tcp:HOST:PORT or tcp::PORT");
    char host[256];
    size_t hl = (size_t)(colon - hostport);
    if (hl >= sizeof host)
        return err_set(err, "host name too long");
    memcpy(host, hostport, hl);
    host[hl] = 0;
    /* [::1]:PORT: the brackets are not part of the address. */
    char *h = host;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        host[hl - 1] = 0;
        h = host + 1;
    }
    const char *port = colon + 1;
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9')
            return err_set(err, "port '%s' is not a number", port);
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(*h ? h : "127.0.0.1", port, &hints, &res);
    if (rc != 0)
        return err_set(err, "%s: %s", *h ? h : "127.0.0.1", gai_strerror(rc));
    int fd = -1;
    int saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 1) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return err_set(err, "cannot listen: %s", strerror(saved));
    return fd;
}

static int listen_unix(const char *path, char *unix_path, size_t cap, Err *err)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    size_t len = strlen(path);
    if (len == 0 || len >= sizeof sa.sun_path || len >= cap)
        return err_set(err, "a socket path of 1..%zu bytes", sizeof sa.sun_path - 1);
    memcpy(sa.sun_path, path, len + 1);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return err_set(err, "%s exists and is not a socket", path);
        unlink(path);                        /* left by an earlier run */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return err_set(err, "socket: %s", strerror(errno));
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(fd, 1) != 0) {
        int e = errno;
        close(fd);
        return err_set(err, "cannot listen at %s: %s", path, strerror(e));
    }
    memcpy(unix_path, path, len + 1);
    return fd;
}

int gdbsock_listen(const char *addr, char *unix_path, size_t cap, Err *err)
{
    if (cap)
        unix_path[0] = 0;
    if (strncmp(addr, "tcp:", 4) == 0)
        return listen_tcp(addr + 4, err);
    if (strncmp(addr, "unix:", 5) == 0)
        return listen_unix(addr + 5, unix_path, cap, err);
    return err_set(err, "expected tcp:HOST:PORT, tcp::PORT or unix:PATH");
}

int gdbsock_wait(int fd, int ms, Err *err)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    int n = poll(&p, 1, ms);
    if (n < 0)
        return errno == EINTR ? 0 : err_set(err, "poll: %s", strerror(errno));
    return n > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : 0;
}

int gdbsock_accept(int lfd, Err *err)
{
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return err_set(err, "accept: %s", strerror(errno));
    /* Replies are small and each is waited for: send them at once. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

ssize_t gdbsock_read(int fd, void *buf, size_t cap)
{
    ssize_t n = recv(fd, buf, cap, MSG_DONTWAIT);
    if (n >= 0)
        return n;
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? -1 : -2;
}

int gdbsock_write(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

void gdbsock_close(int fd, const char *unix_path)
{
    if (fd >= 0)
        close(fd);
    if (unix_path && unix_path[0])
        unlink(unix_path);
}
