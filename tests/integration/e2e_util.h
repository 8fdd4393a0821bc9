// Helpers shared by the end-to-end tests of `aegis serve`.
#pragma once

#include "support/polling.h"
#include "support/raw_client.h"
