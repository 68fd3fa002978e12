/* hlc.c - being written */
