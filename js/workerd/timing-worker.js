// A Worker that only imports the package: its start-up time, compared
// with an empty Worker's, is what instantiating the module costs.
import { SessionStore } from 'signed-session';

export default {
  fetch() {
    return new Response(typeof SessionStore);
  },
};
