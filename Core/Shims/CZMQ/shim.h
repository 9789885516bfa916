#ifndef REDACTFARM_CZMQ_SHIM_H
#define REDACTFARM_CZMQ_SHIM_H
// The only place zmq.h is included; the Swift wrapper lives in Core/Transport.
#include <zmq.h>
#endif
