/* The device model's core, after Linux drivers/base/{bus,dd}.c: registering a device
 * tries each driver of its bus in registration order; registering a driver tries each
 * unbound device. Every attempt that matches is printed, so the console tells the
 * probe story ("bus pci: probing 00:01.0 with virtio-pci"). */
#include "bus.h"

#include "libc.h"

static struct bus_type *buses, **buses_tail = &buses;

static const char *label(struct device *dev)
{
    if (dev->bus && dev->bus->dev_label)
        return dev->bus->dev_label(dev);
    return dev->name ? dev->name : "?";
}

static bool registered(struct bus_type *bus)
{
    for (struct bus_type *b = buses; b; b = b->next)
        if (b == bus)
            return true;
    return false;
}

int bus_register(struct bus_type *bus)
{
    if (!bus || registered(bus))
        return -1;
    bus->devices = NULL;
    bus->devices_tail = &bus->devices;
    bus->drivers = NULL;
    bus->drivers_tail = &bus->drivers;
    bus->next = NULL;
    *buses_tail = bus;
    buses_tail = &bus->next;
    return 0;
}

/* Returns true when drv bound dev. */
static bool try_bind(struct device *dev, struct driver *drv)
{
    struct bus_type *bus = dev->bus;
    if (dev->driver || (bus->match && !bus->match(dev, drv)))
        return false;
    printf("bus %s: probing %s with %s\n", bus->name, label(dev), drv->name);
    dev->driver = drv;              /* visible to probe, like Linux's really_probe */
    int rc = bus->probe ? bus->probe(dev) : drv->probe ? drv->probe(dev) : 0;
    if (rc != 0) {
        printf("bus %s: %s probe of %s failed (%d)\n", bus->name, drv->name, label(dev), rc);
        dev->driver = NULL;
        dev->driver_data = NULL;
        return false;
    }
    return true;
}

int device_register(struct device *dev)
{
    if (!dev || !registered(dev->bus))
        return -1;
    for (struct device *d = dev->bus->devices; d; d = d->next)
        if (d == dev)
            return -1;
    dev->driver = NULL;
    dev->next = NULL;
    *dev->bus->devices_tail = dev;
    dev->bus->devices_tail = &dev->next;
    for (struct driver *drv = dev->bus->drivers; drv && !dev->driver; drv = drv->next)
        try_bind(dev, drv);
    return 0;
}

int driver_register(struct driver *drv)
{
    if (!drv || !registered(drv->bus))
        return -1;
    for (struct driver *d = drv->bus->drivers; d; d = d->next)
        if (d == drv)
            return -1;
    drv->next = NULL;
    *drv->bus->drivers_tail = drv;
    drv->bus->drivers_tail = &drv->next;
    for (struct device *dev = drv->bus->devices; dev; dev = dev->next)
        try_bind(dev, drv);
    return 0;
}

struct bus_type *bus_first(void) { return buses; }
struct device *bus_first_device(struct bus_type *bus) { return bus ? bus->devices : NULL; }
struct driver *bus_first_driver(struct bus_type *bus) { return bus ? bus->drivers : NULL; }

void bus_dump(void)
{
    for (struct bus_type *b = buses; b; b = b->next) {
        printf("bus %s:\n", b->name);
        for (struct device *d = b->devices; d; d = d->next)
            printf("  device %-10s driver %s\n", label(d), d->driver ? d->driver->name : "(none)");
        for (struct driver *drv = b->drivers; drv; drv = drv->next)
            printf("  driver %s\n", drv->name);
    }
}
