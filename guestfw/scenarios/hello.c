/* scenario=hello: the smallest end-to-end check of boot, UART, device tree and
 * poweroff. Integration tests grep the memory line: keep its format. */
#include "libc.h"
#include "platform.h"
#include "scenario.h"

static int hello(void)
{
    printf("memory: %llu MiB at 0x%llx\n", (unsigned long long)(ram_size() >> 20),
           (unsigned long long)ram_base());
    return 0;
}

const struct scenario scenario_hello = { "hello", hello, "print the memory size and power off" };
