// The smallest CloudEvent function: the baseline the prescale cold start is compared with.
import * as functions from '@google-cloud/functions-framework';

functions.cloudEvent('bare', () => undefined);
