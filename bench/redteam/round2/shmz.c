#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <pthread.h>
#include <unistd.h>
#include <errno.h>
static int sid;
static void *worker(void *a){
  sleep(atoi((char*)a));
  char *p = shmat(sid, NULL, 0);
  if (p == (void*)-1) { printf("re-attach FAILED: %s\n", strerror(errno)); fflush(stdout); exit(1); }
  printf("re-attach ok, data: %s\n", p); fflush(stdout); shmdt(p); exit(0);
}
int main(int c, char **v){
  sid = shmget(IPC_PRIVATE, 1<<20, 0600);
  char *p = shmat(sid, NULL, 0); strcpy(p, "precious state"); shmdt(p);
  printf("%d\n", sid); fflush(stdout);
  pthread_t t; pthread_create(&t, NULL, worker, v[1]);
  pthread_exit(NULL);
}
