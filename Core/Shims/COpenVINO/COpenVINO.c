// Nothing of its own: the target exists so the OpenVINO headers, library and rpath enter the
// build in one place (Package.swift).
#include "COpenVINO.h"
