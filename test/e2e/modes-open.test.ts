// Open mode with packets: like route, but virtnet adds no firewall rules at all.

import { routedModeSuite } from './harness/routed-suite.js';

routedModeSuite('open', 143);
