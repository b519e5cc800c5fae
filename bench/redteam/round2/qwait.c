#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/mman.h>
#include <pthread.h>
#include <unistd.h>
#include <errno.h>
static int qid; static const char *mode;
static void *waiter(void *a){
  struct { long t; char b[64]; } *m;
  if (!strcmp(mode,"int80")) {
    m = mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS|MAP_32BIT, -1, 0);
    /* i386 msgrcv = 401 (direct). 32-bit msgbuf: int mtype; char text[] */
    long r;
    __asm__ volatile ("int $0x80" : "=a"(r) : "a"(401L), "b"((long)qid), "c"((long)m), "d"(64L), "S"(0L), "D"(0L) : "memory");
    printf("int80 msgrcv returned %ld\n", r); fflush(stdout);
    return NULL;
  }
  static struct { long t; char b[64]; } mm;
  if (!strcmp(mode,"thread-snd")) { mm.t = 1; long r = msgsnd(qid, &mm, 64, 0);
    printf("msgsnd returned %ld errno %d (%s)\n", r, r<0?errno:0, r<0?strerror(errno):"ok"); fflush(stdout); return NULL; }
  long r = msgrcv(qid, &mm, 64, 0, 0);
  printf("msgrcv returned %ld errno %d (%s)\n", r, r<0?errno:0, r<0?strerror(errno):mm.b); fflush(stdout);
  return NULL;
}
int main(int c, char **v){
  qid = atoi(v[1]); mode = v[2];
  if (!strcmp(mode,"main") || !strcmp(mode,"int80")) { waiter(NULL); return 0; }
  pthread_t t; pthread_create(&t, NULL, waiter, NULL);
  if (!strcmp(mode,"thread-exitmain")) pthread_exit(NULL);
  pthread_join(t, NULL); return 0;
}
