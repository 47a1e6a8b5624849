/* The --net-features switch list for the virtio-net device: feature names as the one
 * names table spells them for the command line (virtio_names.def: virtio 1.2 §5.1.3 and
 * §6 names in lower case) turned into bits of the offered feature set. Only features
 * this model implements (VIRTIO_NET_DEFAULT_FEATURES, on by default, and
 * VIRTIO_NET_OPTIONAL_FEATURES, off by default) can be switched; they are listed
 * device-specific ones first, each group in bit order. */
#include "virtio/virtio_net.h"

/* The i-th row a --net-features name may be, NULL past the last: virtio-net's own
 * features, then the device-independent ones, in table order. */
static const VirtioName *feature_row(unsigned i)
{
    unsigned n, k = 0;
    const VirtioName *rows = virtio_name_rows(&n);
    for (unsigned pass = 0; pass < 2; pass++)
        for (unsigned r = 0; r < n; r++)
            if (rows[r].domain == VIRTIO_DOM_FEATURE && rows[r].device == (pass ? 0 : VIRTIO_ID_NET) && k++ == i)
                return &rows[r];
    return NULL;
}

static bool switchable(const VirtioName *r)
{
    return (r->value & (VIRTIO_NET_DEFAULT_FEATURES | VIRTIO_NET_OPTIONAL_FEATURES)) != 0;
}

const char *virtio_net_feature_name(unsigned bit)
{
    const VirtioName *r = bit < 64 ? virtio_name_of(VIRTIO_DOM_FEATURE, VIRTIO_ID_NET, 1ull << bit) : NULL;
    return r ? r->spelling : NULL;
}

/* A name the table has but this model does not implement is refused as firmly, with
 * the reason. */
static int unknown(const char *item, size_t len, bool known, Err *err)
{
    char valid[200];
    size_t at = 0;
    valid[0] = 0;
    const VirtioName *r;
    for (unsigned i = 0; (r = feature_row(i)) && at < sizeof valid; i++)
        if (switchable(r))
            at += (size_t)snprintf(valid + at, sizeof valid - at, "%s%s", at ? " " : "", r->spelling);
    if (known)
        return err_set(err, "--net-features: feature '%.*s' is not implemented by this device (valid: %s)",
                       (int)len, item, valid);
    return err_set(err, "--net-features: unknown feature '%.*s' (valid: %s)", (int)len, item, valid);
}

int virtio_net_parse_features(const char *spec, uint64_t *features, Err *err)
{
    uint64_t f = *features;
    const char *p = spec ? spec : "";
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *name = p;
        size_t nlen = len;
        bool on = true;
        if (nlen && (*name == '+' || *name == '-')) {
            on = *name == '+';
            name++;
            nlen--;
        }
        if (nlen == 0)
            return err_set(err, "--net-features: empty item in '%s'", spec);
        const VirtioName *r;
        unsigned i = 0;
        while ((r = feature_row(i)) && !(strlen(r->spelling) == nlen && !memcmp(r->spelling, name, nlen)))
            i++;
        if (!r || !switchable(r))
            return unknown(name, nlen, r != NULL, err);
        if (on)
            f |= r->value;
        else
            f &= ~r->value;
        p += len;
        if (*p == ',')
            p++;
    }
    *features = f;
    return 0;
}
