// Core as one import for the coordinator and the worker; inside Core each layer imports
// only the layers below it.
@_exported import RedactIntegrity
@_exported import RedactMedia
@_exported import RedactSupport
@_exported import RedactTransport
@_exported import RedactVision
@_exported import Redaction
@_exported import RedactObservability
