// The state is unusable as it is (damaged, locked, misplaced): nothing was changed, the message says what to do.
import { InvalidInputError } from '../errors.js';

export class StateError extends InvalidInputError {}
