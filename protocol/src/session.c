/* session.c - being written */
