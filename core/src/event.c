/* event.c - being written */
