/* A small device model after Linux's driver core (include/linux/device.h): buses,
 * devices and drivers; registering a device or a driver matches it against the other
 * side of its bus and calls probe. Lists keep registration order (deterministic). */
#ifndef GUESTFW_BUS_H
#define GUESTFW_BUS_H

#include <stdbool.h>

struct device;
struct driver;

struct bus_type {
    const char *name;                                   /* "pci", "virtio" */
    int (*match)(struct device *dev, struct driver *drv);   /* nonzero = match */
    /* Called instead of drv->probe when set (lets a bus unwrap its own types). */
    int (*probe)(struct device *dev);
    /* Optional: a short identifier of dev for console lines ("00:01.0"). */
    const char *(*dev_label)(struct device *dev);
    /* private: registration-ordered lists */
    struct device *devices, **devices_tail;
    struct driver *drivers, **drivers_tail;
    struct bus_type *next;
};

struct device {
    const char *name;          /* e.g. "00:01.0", "virtio0" */
    struct bus_type *bus;
    struct driver *driver;     /* bound driver, or NULL */
    void *driver_data;         /* the driver's per-device state */
    struct device *parent;     /* e.g. the PCI function under a virtio device */
    struct device *next;       /* private: bus list */
};

struct driver {
    const char *name;          /* "virtio-pci", "virtio_net" */
    struct bus_type *bus;
    int (*probe)(struct device *dev);   /* 0 = bound */
    struct driver *next;       /* private: bus list */
};

int bus_register(struct bus_type *bus);
/* Both return 0, or -1 when the bus is not registered or the object is already on
 * it. A probe that fails (nonzero) leaves the device unbound and is reported. */
int device_register(struct device *dev);
int driver_register(struct driver *drv);

/* Registration-ordered iteration. */
struct bus_type *bus_first(void);
struct device *bus_first_device(struct bus_type *bus);
struct driver *bus_first_driver(struct bus_type *bus);
/* Prints every bus with its devices (and bound driver) and drivers. */
void bus_dump(void);

#endif
