/* The peer's read-only TFTP server (RFC 1350; options RFC 2347, blksize RFC 2348,
 * timeout and tsize RFC 2349). It has no timer: retransmission is the client's job,
 * and a second repeated ACK of the previous block makes the server send the current
 * one again. Files come from one directory; nothing outside it is ever opened. Each
 * file is read whole when its transfer begins, so a transfer serves one version of it
 * and the run can record exactly what it served (PeerConfig.file_seen). */
#include "peer_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

enum { TFTP_RRQ = 1, TFTP_WRQ = 2, TFTP_DATA = 3, TFTP_ACK = 4, TFTP_ERROR = 5, TFTP_OACK = 6 };
enum { TERR_UNDEF = 0, TERR_NOT_FOUND = 1, TERR_ACCESS = 2, TERR_ILLEGAL = 4, TERR_UNKNOWN_TID = 5 };
#define TFTP_BLKSIZE 512
#define TFTP_BLKSIZE_MIN 8
/* The largest block that fits one unfragmented Ethernet frame (RFC 2348 §"Blocksize
 * Option Specification" lets the server answer with a smaller size than asked). */
#define TFTP_BLKSIZE_MAX (ETH_MTU - IPV4_HLEN - UDP_HLEN - 4)

/* ---- sending ---- */

static void tftp_send(NetPeer *p, const TftpSession *s, size_t len)
{
    peer_emit_udp(p, s->client_mac, s->client_ip, s->server_port, s->client_port, len);
}

static int tftp_error(NetPeer *p, const TftpSession *s, uint16_t code, const char *msg,
                      PeerAction *act)
{
    uint8_t *b = p->tx + PEER_UDP_PAYLOAD;
    size_t n = strlen(msg);
    st16_be(b, TFTP_ERROR);
    st16_be(b + 2, code);
    memcpy(b + 4, msg, n + 1);
    tftp_send(p, s, 4 + n + 1);
    peer_act(act, PEER_ACT_TFTP_ERROR, "code %u: %s", code, msg);
    return 1;
}

static void session_close(TftpSession *s)
{
    free(s->data);
    s->data = NULL;
    s->live = false;
}

static size_t block_len(const TftpSession *s, uint64_t block)
{
    uint64_t start = (block - 1) * s->blksize;
    uint64_t left = s->size - start;
    return left < s->blksize ? (size_t)left : s->blksize;
}

static bool is_last_block(const TftpSession *s, uint64_t block) { return block_len(s, block) < s->blksize; }

static int send_block(NetPeer *p, TftpSession *s, PeerAction *act)
{
    uint8_t *b = p->tx + PEER_UDP_PAYLOAD;
    size_t want = block_len(s, s->block);
    if (want)
        memcpy(b + 4, s->data + (s->block - 1) * s->blksize, want);
    st16_be(b, TFTP_DATA);
    st16_be(b + 2, (uint16_t)s->block);   /* wraps after 65535 blocks, as clients expect */
    tftp_send(p, s, 4 + want);
    peer_act(act, PEER_ACT_TFTP_DATA, "block %llu (%zu bytes) to port %u",
             (unsigned long long)s->block, want, s->client_port);
    return 1;
}

/* ---- request parsing ---- */

/* The NUL-terminated string at *pos, advancing past it; NULL if unterminated. */
static const char *next_str(const UdpIn *u, size_t *pos)
{
    if (*pos >= u->len)
        return NULL;
    const char *s = (const char *)u->data + *pos;
    const void *nul = memchr(s, 0, u->len - *pos);
    if (!nul)
        return NULL;
    *pos += (size_t)((const char *)nul - s) + 1;
    return s;
}

/* Whether a requested name may be served at all, judged on the name alone (the same
 * in a replay, so never recorded): 0 or the TFTP error that applies. */
static int check_name(const NetPeer *p, const char *name, const char **why)
{
    *why = "File not found";
    if (!p->tftp_on)
        return TERR_NOT_FOUND;
    /* Absolute names are refused outright rather than re-rooted: a client asking for
     * "/etc/passwd" should learn that it cannot have it, not get a namesake. */
    if (*name == '/') {
        *why = "Access violation: absolute path";
        return TERR_ACCESS;
    }
    if (!*name)
        return TERR_NOT_FOUND;
    /* No way up: reject any ".." component, and backslashes that some clients use
     * as separators. Symlinks are checked below against the resolved path. */
    for (const char *c = name; *c; ) {
        size_t n = strcspn(c, "/");
        if (n == 2 && c[0] == '.' && c[1] == '.') {
            *why = "Access violation: path leaves the TFTP directory";
            return TERR_ACCESS;
        }
        c += n;
        c += *c == '/';
    }
    if (strchr(name, '\\')) {
        *why = "Access violation: backslash in file name";
        return TERR_ACCESS;
    }
    return 0;
}

/* Map a checked name to a path inside tftp_dir, or say which TFTP error applies. */
static int resolve(const NetPeer *p, const char *name, char *path, size_t size,
                   const char **why)
{
    *why = "File not found";
    if ((size_t)snprintf(path, size, "%s/%s", p->tftp_dir, name) >= size)
        return TERR_NOT_FOUND;
    char *real = realpath(path, NULL);
    if (!real)
        return errno == EACCES ? (*why = "Access violation", TERR_ACCESS) : TERR_NOT_FOUND;
    size_t dl = strlen(p->tftp_dir);
    bool inside = strncmp(real, p->tftp_dir, dl) == 0 && (real[dl] == '/' || (dl == 1 && real[0] == '/'));
    /* The caller opens the resolved path, not the requested one, so that a symlink
     * swapped in between this check and the open cannot lead outside. */
    bool fits = strlen(real) < size;
    if (inside && fits)
        memcpy(path, real, strlen(real) + 1);
    free(real);
    if (!inside) {
        *why = "Access violation: path leaves the TFTP directory";
        return TERR_ACCESS;
    }
    return fits ? 0 : TERR_NOT_FOUND;
}

/* The whole of a file in tftp_dir (as PeerFileFn). */
static int read_dir(const NetPeer *p, const char *name, uint8_t **data, size_t *len,
                    uint16_t *code, const char **why)
{
    char path[PATH_MAX];
    int c = resolve(p, name, path, sizeof path, why);
    *code = (uint16_t)c;
    if (c)
        return -1;
    *code = TERR_NOT_FOUND;
    /* O_NONBLOCK: a FIFO in the directory must not hang the simulator. */
    int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        if (errno == EACCES) {
            *code = TERR_ACCESS;
            *why = "Access violation";
        }
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size >= SIZE_MAX) {
        close(fd);
        return -1;
    }
    size_t want = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(want ? want : 1);
    *code = TERR_UNDEF;
    if (!buf) {
        close(fd);
        *why = "file too large to serve";
        return -1;
    }
    /* A file that shrinks while it is read is served as far as it went. */
    while (got < want) {
        ssize_t n = read(fd, buf + got, want - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            close(fd);
            free(buf);
            *why = "read error";
            return -1;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    *data = buf;
    *len = got;
    return 0;
}

static TftpSession *session_new(NetPeer *p, const UdpIn *u)
{
    TftpSession *s = NULL;
    /* A repeated request from the same client endpoint replaces its transfer; else
     * take a free slot, else evict the oldest transfer. */
    for (int i = 0; i < TFTP_SESSIONS && !s; i++)
        if (p->tftp[i].live && p->tftp[i].client_ip == u->ip->src && p->tftp[i].client_port == u->sport)
            s = &p->tftp[i];
    for (int i = 0; i < TFTP_SESSIONS && !s; i++)
        if (!p->tftp[i].live)
            s = &p->tftp[i];
    if (!s) {
        s = &p->tftp[0];
        for (int i = 1; i < TFTP_SESSIONS; i++)
            if (p->tftp[i].started < s->started)
                s = &p->tftp[i];
    }
    session_close(s);
    memset(s, 0, sizeof *s);
    s->started = p->tftp_transfers++;
    s->client_ip = u->ip->src;
    s->client_port = u->sport;
    s->server_port = (uint16_t)(TFTP_PORT_BASE + s->started % TFTP_PORT_SPAN);
    memcpy(s->client_mac, u->src_mac, 6);
    s->blksize = TFTP_BLKSIZE;
    return s;
}

/* Append "name\0value\0" to an OACK being built at b + at; returns the new length. */
static size_t oack_put(uint8_t *b, size_t at, const char *name, unsigned long long v)
{
    int n = snprintf((char *)b + at, 64, "%s%c%llu", name, 0, v);
    return at + (size_t)n + 1;
}

static int tftp_request(NetPeer *p, const UdpIn *u, PeerAction *act)
{
    size_t pos = 2;
    uint16_t op = ld16_be(u->data);
    const char *name = next_str(u, &pos), *mode = next_str(u, &pos);
    if (!name || !mode)
        return peer_drop(act, PEER_DROP_TFTP_BAD);
    TftpSession *s = session_new(p, u);
    s->live = true;
    if (op == TFTP_WRQ) {
        tftp_error(p, s, TERR_ACCESS, "Access violation: read-only server", act);
        session_close(s);
        return 1;
    }
    if (strcasecmp(mode, "octet") != 0) {
        tftp_error(p, s, TERR_ILLEGAL, "Illegal TFTP operation: only octet mode", act);
        session_close(s);
        return 1;
    }
    const char *why;
    uint8_t *data = NULL;
    size_t len = 0;
    int c = check_name(p, name, &why);
    uint16_t code = (uint16_t)c;
    int rc = c ? -1 : 0;
    if (rc == 0 && p->file_read) {
        code = TERR_NOT_FOUND;
        why = "File not found";
        rc = p->file_read(p->file_opaque, name, &data, &len, &code, &why);
    } else if (rc == 0) {
        rc = read_dir(p, name, &data, &len, &code, &why);
        if (p->file_seen)
            p->file_seen(p->file_opaque, name, rc == 0 ? data : NULL, rc == 0 ? len : 0,
                         rc == 0 ? 0 : code, rc == 0 ? NULL : why);
    }
    if (rc != 0) {
        free(data);
        tftp_error(p, s, code, why, act);
        session_close(s);
        return 1;
    }
    s->data = data;
    s->size = len;

    /* Options: acknowledge the ones we honour, in the order asked, ignore the rest.
     * Each is answered once at most (RFC 2347 lists each once), which also bounds the
     * OACK whatever the request repeats. */
    uint8_t *b = p->tx + PEER_UDP_PAYLOAD;
    size_t olen = 2;
    bool seen_blksize = false, seen_tsize = false, seen_timeout = false;
    st16_be(b, TFTP_OACK);
    for (const char *k, *v; (k = next_str(u, &pos)) && (v = next_str(u, &pos)); ) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno || end == v || *end || *v == '-')
            continue;
        if (!seen_blksize && strcasecmp(k, "blksize") == 0 && n >= TFTP_BLKSIZE_MIN) {
            seen_blksize = true;
            s->blksize = n > TFTP_BLKSIZE_MAX ? TFTP_BLKSIZE_MAX : (uint32_t)n;
            olen = oack_put(b, olen, "blksize", s->blksize);
        } else if (!seen_tsize && strcasecmp(k, "tsize") == 0) {
            seen_tsize = true;
            olen = oack_put(b, olen, "tsize", s->size);
        } else if (!seen_timeout && strcasecmp(k, "timeout") == 0 && n >= 1 && n <= 255) {
            seen_timeout = true;
            olen = oack_put(b, olen, "timeout", n);   /* the client's timer, not ours */
        }
    }
    if (olen > 2) {
        s->block = 0;
        tftp_send(p, s, olen);
        peer_act(act, PEER_ACT_TFTP_OACK, "blksize %u tsize %llu to port %u",
                 s->blksize, (unsigned long long)s->size, s->client_port);
        return 1;
    }
    s->block = 1;
    return send_block(p, s, act);
}

static TftpSession *session_by_port(NetPeer *p, uint16_t port)
{
    for (int i = 0; i < TFTP_SESSIONS; i++)
        if (p->tftp[i].live && p->tftp[i].server_port == port)
            return &p->tftp[i];
    return NULL;
}

bool peer_tftp_owns_port(const NetPeer *p, uint16_t port)
{
    return session_by_port((NetPeer *)p, port) != NULL;
}

static int tftp_transfer(NetPeer *p, const UdpIn *u, PeerAction *act)
{
    TftpSession *s = session_by_port(p, u->dport);
    if (u->ip->src != s->client_ip || u->sport != s->client_port) {
        /* RFC 1350 §4: a stranger gets an error; the transfer goes on. */
        TftpSession stranger = *s;
        stranger.client_ip = u->ip->src;
        stranger.client_port = u->sport;
        memcpy(stranger.client_mac, u->src_mac, 6);
        return tftp_error(p, &stranger, TERR_UNKNOWN_TID, "Unknown transfer ID", act);
    }
    uint16_t op = ld16_be(u->data);
    if (op == TFTP_ERROR) {
        peer_act(act, PEER_ACT_TFTP_DONE, "aborted by client, code %u",
                 u->len >= 4 ? ld16_be(u->data + 2) : 0);
        session_close(s);
        return 0;
    }
    if (op != TFTP_ACK || u->len < 4) {
        int r = tftp_error(p, s, TERR_ILLEGAL, "Illegal TFTP operation", act);
        session_close(s);
        return r;
    }
    uint16_t ack = ld16_be(u->data + 2);
    if (ack == (uint16_t)s->block) {
        s->dup_acks = 0;
        if (s->block > 0 && is_last_block(s, s->block)) {
            peer_act(act, PEER_ACT_TFTP_DONE, "%llu bytes in %llu blocks to port %u",
                     (unsigned long long)s->size, (unsigned long long)s->block, s->client_port);
            session_close(s);
            return 0;
        }
        s->block++;
        return send_block(p, s, act);
    }
    /* A duplicate ACK of the previous block. The peer has no timer, so only the
     * client's retransmission can recover a lost block; but answering every
     * duplicate is the Sorcerer's Apprentice bug (RFC 1123 §4.2.3.1): one duplicated
     * DATA would double every block after it. So the first duplicate is ignored and
     * a second one (the client timed out twice) resends. */
    if (s->block > 0 && ack == (uint16_t)(s->block - 1)) {
        if (++s->dup_acks >= 2) {
            s->dup_acks = 0;
            return send_block(p, s, act);
        }
        return peer_drop(act, PEER_DROP_TFTP_DUP_ACK);
    }
    return peer_drop(act, PEER_DROP_TFTP_STALE);
}

int peer_tftp_input(NetPeer *p, const UdpIn *u, PeerAction *act)
{
    if (u->len < 2)
        return peer_drop(act, PEER_DROP_TFTP_BAD);
    if (u->dport != PORT_TFTP)
        return tftp_transfer(p, u, act);
    uint16_t op = ld16_be(u->data);
    if (op != TFTP_RRQ && op != TFTP_WRQ)
        return peer_drop(act, PEER_DROP_TFTP_BAD);
    return tftp_request(p, u, act);
}

void peer_tftp_close_all(NetPeer *p)
{
    for (int i = 0; i < TFTP_SESSIONS; i++)
        session_close(&p->tftp[i]);
}
